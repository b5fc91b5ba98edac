package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luatrace/luatrace/test/testenv"
)

// TestOpenOutputRefusesPlantedFiles: in a sticky folder others can write
// to (as /tmp), -o neither follows another user's symbolic link nor
// truncates another user's file; it still creates and rewrites its own.
func TestOpenOutputRefusesPlantedFiles(t *testing.T) {
	testenv.RequireRoot(t) // to plant files as another user
	const other = 65534
	base := t.TempDir()
	shared := filepath.Join(base, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(base, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	plant := func(name string, make func(p string) error) string {
		t.Helper()
		p := filepath.Join(shared, name)
		if err := make(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(p, other, other); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := plant("link", func(p string) error { return os.Symlink(victim, p) })
	theirs := plant("theirs", func(p string) error { return os.WriteFile(p, []byte("theirs"), 0o666) })
	dirLink := plant("dirlink", func(p string) error { return os.Symlink(base, p) })
	hard := filepath.Join(shared, "hard")
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{link, "will not write output file " + link + ": it is a symbolic link, which luatrace does not follow for -o; give the real path"},
		{theirs, "will not overwrite output file " + theirs + ": it belongs to uid 65534 and its folder " + shared + " is writable by others; remove it or give another path"},
		{filepath.Join(dirLink, "victim"), "will not write output file " + filepath.Join(dirLink, "victim") + ": " + dirLink + " is a symbolic link of uid 65534 in " + shared + ", which others can write to; give the real path"},
		{hard, "will not overwrite output file " + hard + ": its folder " + shared + " is writable by others and it is not a plain file with a single link; remove it or give another path"},
		{filepath.Join(base, "missing", "out"), "cannot write output file " + filepath.Join(base, "missing", "out") + ": no such file or directory"},
	}
	for _, tc := range tests {
		f, err := openOutput(tc.path)
		if err == nil {
			f.Close()
			t.Errorf("openOutput(%s) succeeded", tc.path)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("openOutput(%s):\n got %s\nwant %s", tc.path, err, tc.want)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the victim was changed: %q", b)
	}
	// Its own file: created, then truncated and rewritten.
	mine := filepath.Join(shared, "mine")
	for _, text := range []string{"first run, longer", "second"} {
		f, err := openOutput(mine)
		if err != nil {
			t.Fatalf("own file: %v", err)
		}
		f.WriteString(text)
		f.Close()
		if b, _ := os.ReadFile(mine); string(b) != text {
			t.Errorf("own file holds %q, want %q", b, text)
		}
	}
	// Devices still work.
	f, err := openOutput(os.DevNull)
	if err != nil {
		t.Errorf("%s: %v", os.DevNull, err)
	} else {
		f.Close()
	}
}

func TestMaxProbesSetting(t *testing.T) {
	tests := []struct {
		flag    int
		flagSet bool
		env     string
		want    int
		err     string
	}{
		{0, false, "", 0, ""},
		{100, true, "", 100, ""},
		{0, false, "300", 300, ""},
		{100, true, "300", 100, ""},
		{0, false, "lots", 0, `$LUATRACE_MAX_PROBES "lots" is not a probe count from 1 to 8190 (the default is 4096)`},
		{0, true, "", 0, `--max-probes "0" is not a probe count from 1 to 8190`},
		{9000, true, "", 0, `--max-probes "9000" is not a probe count from 1 to 8190`},
	}
	for _, tc := range tests {
		t.Setenv("LUATRACE_MAX_PROBES", tc.env)
		got, err := maxProbes(tc.flag, tc.flagSet)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v: error %v, want %q", tc, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%+v: %d, %v; want %d", tc, got, err, tc.want)
		}
	}
}
