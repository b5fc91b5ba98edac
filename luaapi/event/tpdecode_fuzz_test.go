package event

import (
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luatrace/luatrace/bpf/tracefs"
)

// FuzzDecodeTracepoint decodes any bytes as the raw record of a tracepoint
// whose format is any text that parses: e.args comes out, with fields that
// do not fit left nil, never a panic or a read past the record.
func FuzzDecodeTracepoint(f *testing.F) {
	formats, err := filepath.Glob(filepath.Join("..", "..", "bpf", "tracefs", "testdata", "formats", "*.format"))
	if err != nil || len(formats) == 0 {
		f.Fatalf("no format files in bpf/tracefs/testdata/formats: %v", err)
	}
	f.Add(testFormat, testRecord())
	f.Add(testFormat, testRecord()[:40])
	for _, name := range formats {
		text, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(text), testRecord())
		f.Add(string(text), []byte{})
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	f.Fuzz(func(t *testing.T, format string, record []byte) {
		tf, err := tracefs.ParseFormat(format)
		if err != nil {
			return
		}
		decodeTracepoint(L, L.NewTable(), tf, record)
	})
}
