package stdlib

import (
	"regexp"
	"strings"
)

// functionLine matches "function M.name(args)" or "function name(args)",
// the definition a doc block describes.
var functionLine = regexp.MustCompile(`^\s*(?:local\s+)?function\s+(?:[A-Za-z_]\w*[.:])?([A-Za-z_]\w*)\s*(\([^)]*\))`)

// fieldLine matches "M.name = ..." (documented constants such as json.null).
var fieldLine = regexp.MustCompile(`^\s*[A-Za-z_]\w*\.([A-Za-z_]\w*)\s*=`)

// Doc extracts the documentation of a Lua module from its source: the
// "---" comment blocks, in order. A block followed by a function (or a
// module field) is headed by its signature, "module.name(args)". The
// first block, the module's own description, has no heading.
func Doc(module string, src []byte) string {
	var b strings.Builder
	var block []string
	lines := strings.Split(string(src), "\n")
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if text, ok := strings.CutPrefix(trimmed, "---"); ok {
			block = append(block, strings.TrimPrefix(text, " "))
			continue
		}
		if len(block) == 0 {
			continue
		}
		heading := ""
		if m := functionLine.FindStringSubmatch(line); m != nil {
			heading = module + "." + m[1] + m[2]
		} else if m := fieldLine.FindStringSubmatch(line); m != nil {
			heading = module + "." + m[1]
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		indent := ""
		if heading != "" {
			b.WriteString(heading + "\n")
			indent = "    "
		}
		for _, l := range block {
			if l == "" {
				b.WriteString("\n")
			} else {
				b.WriteString(indent + l + "\n")
			}
		}
		block = nil
	}
	return b.String()
}
