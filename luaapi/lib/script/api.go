package script

import (
	"strings"
)

// Header is the leading comment block of a script without the
// comment dashes: what it does, its usage and example output, which the
// args module prints for -h.
func Header(code string) string {
	var b strings.Builder
	for _, line := range strings.Split(code, "\n") {
		if strings.HasPrefix(line, "#!") && b.Len() == 0 {
			continue
		}
		if !strings.HasPrefix(line, "--") {
			break
		}
		b.WriteString(strings.TrimPrefix(strings.TrimLeft(line, "-"), " ") + "\n")
	}
	return b.String()
}
