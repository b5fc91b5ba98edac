package usym

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseExecMaps: executable lines only, paths with spaces (and a
// deleted file's suffix) whole, anonymous code with no path.
func TestParseExecMaps(t *testing.T) {
	maps := `55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234                       /opt/my app/bin/tool
55d0c0a01000-55d0c0a02000 r-xp 00001000 08:01 1234                       /opt/my app/bin/tool
7f0000000000-7f0000001000 r-xp 00002000 08:01 99                         /tmp/a b  c (deleted)
7f0000002000-7f0000003000 rwxp 00000000 00:00 0 
7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
garbage line
`
	got, err := parseExecMaps(strings.NewReader(maps))
	if err != nil {
		t.Fatal(err)
	}
	want := []MapsLine{
		{Start: 0x55d0c0a01000, End: 0x55d0c0a02000, Offset: 0x1000, Perms: "r-xp", Dev: "08:01", Inode: 1234, Path: "/opt/my app/bin/tool"},
		{Start: 0x7f0000000000, End: 0x7f0000001000, Offset: 0x2000, Perms: "r-xp", Dev: "08:01", Inode: 99, Path: "/tmp/a b  c (deleted)"},
		{Start: 0x7f0000002000, End: 0x7f0000003000, Perms: "rwxp", Dev: "00:00"},
		{Start: 0x7ffd00000000, End: 0x7ffd00002000, Perms: "r-xp", Dev: "00:00", Path: "[vdso]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}
