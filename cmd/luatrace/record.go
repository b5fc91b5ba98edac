package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/luatrace/luatrace/bpf/recording"
)

// recordConfig is what "luatrace record" adds to a run: where the
// recording goes and its bounds.
type recordConfig struct {
	path string
	opts recording.Options
}

// recordUsage is the synopsis of luatrace record.
const recordUsage = `usage: luatrace record -o FILE [--max-size SIZE] [--max-age DURATION] [--max-files N] [options] SCRIPT|TOOL [args...]
  -o FILE             write the recording to FILE (rotated files are FILE.1, FILE.2, ...)
  --max-size SIZE     start the next file when one reaches SIZE bytes (suffix K, M or G)
  --max-age DURATION  start the next file when one is DURATION old (e.g. 10m)
  --max-files N       keep only the newest N files
  --flush DURATION    write buffered events at least this often (default 1s): a crash loses at most this much
The other options are luatrace's (luatrace -h); the script's output still goes to standard output.
`

// splitRecordArgs takes luatrace record's own options out of args and
// returns the rest, a run's command line. They may come anywhere before
// the script.
func splitRecordArgs(args []string) (recordConfig, []string, error) {
	var rc recordConfig
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		known := strings.HasPrefix(a, "-") && (name == "o" || name == "max-size" || name == "max-age" || name == "max-files" || name == "flush")
		if !known {
			if !strings.HasPrefix(a, "-") || a == "-" {
				return rc, append(rest, args[i:]...), finishRecordConfig(&rc)
			}
			rest = append(rest, a)
			if takesValue(name) && !hasVal && i+1 < len(args) {
				rest = append(rest, args[i+1])
				i++
			}
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return rc, nil, usageError(fmt.Sprintf("option -%s of luatrace record needs a value (see luatrace record -h)", name))
			}
			i++
			val = args[i]
		}
		if err := rc.set(name, val); err != nil {
			return rc, nil, err
		}
	}
	return rc, rest, finishRecordConfig(&rc)
}

// takesValue: a run option followed by its value.
func takesValue(name string) bool {
	switch name {
	case "e", "p", "c", "f", "I", "max-probes", "metrics":
		return true
	}
	return false
}

func finishRecordConfig(rc *recordConfig) error {
	if rc.path == "" {
		return usageError("luatrace record needs -o FILE, the recording to write")
	}
	return nil
}

func (rc *recordConfig) set(name, val string) error {
	bad := func(what string) error {
		return usageError(fmt.Sprintf("option --%s of luatrace record needs %s, got %q", name, what, val))
	}
	switch name {
	case "o":
		rc.path = val
	case "max-size":
		n, err := parseSize(val)
		if err != nil || n <= 0 {
			return bad("a size such as 100M")
		}
		rc.opts.MaxSize = n
	case "max-age", "flush":
		d, err := time.ParseDuration(val)
		if err != nil || d <= 0 {
			return bad("a duration such as 10m")
		}
		if name == "flush" {
			rc.opts.FlushInterval = d
		} else {
			rc.opts.MaxAge = d
		}
	case "max-files":
		n, err := strconv.Atoi(val)
		if err != nil || n <= 0 {
			return bad("a number of files")
		}
		rc.opts.MaxFiles = n
	}
	return nil
}

// parseSize reads bytes with an optional K, M or G suffix (powers of 1024).
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// createRecording opens the recording of a run.
func createRecording(rc *recordConfig) (*recording.Writer, error) {
	h, err := recording.HostHeader(version)
	if err != nil {
		return nil, err
	}
	w, err := recording.Create(rc.path, h, rc.opts)
	if err != nil {
		return nil, fmt.Errorf("cannot create recording %s: %w", rc.path, err)
	}
	return w, nil
}

// closeRecording writes the end of the recording and says what it holds.
func closeRecording(w *recording.Writer, path string, stderr io.Writer) error {
	if err := w.Close(); err != nil {
		return fmt.Errorf("recording %s: %w", path, err)
	}
	st := w.Stats()
	fmt.Fprintf(stderr, "luatrace: recorded %d events in %s (%d bytes, %d files)\n", st.Events, path, st.FileBytes, st.Files)
	return nil
}
