package osext

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/bpf/recording"
	"github.com/luatrace/luatrace/luaapi/host"
	"github.com/luatrace/luatrace/luaapi/internal/luatest"
)

func TestReadlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("target-of-link", dir+"/l"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, want string }{
		{`return os.readlink("` + dir + `/l")`, "target-of-link"},
		{`local t, err = os.readlink("` + dir + `/missing") return tostring(t) .. " " .. err`, "nil readlink " + dir + "/missing: no such file or directory"},
	}
	for _, tc := range tests {
		if got, err := luatest.Result(t, live, tc.code); err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
}

// live opens the library for a live run: no recording, no replay.
func live(L *lua.LState) { Open(L, &host.Host{}) }

func TestExecute(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return os.execute("true")`, "0"},
		{`return os.execute("exit 3")`, "1"},
	}
	for _, tc := range tests {
		if got, err := luatest.Result(t, live, tc.code); err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.code, got, err, tc.want)
		}
	}
}

// TestExecuteStopped: a command still running when the script is stopped
// (its context ends) gets SIGINT, so os.execute returns instead of waiting
// for it: a shell's trap sees SIGINT, and a shell waiting for a command
// (which defers its own SIGINT until the command ends) ends with it.
func TestExecuteStopped(t *testing.T) {
	tests := []struct {
		name string
		// command writes a line to {ready} once it waits; {dir} is a
		// folder for what it tells.
		command string
		// got, when set, is what the command must write to {dir}/got.
		got string
	}{
		{"trap", `trap 'kill $s; echo INT > {dir}/got; exit 1' INT; sleep 3600 & s=$!; echo > {ready}; wait`, "INT"},
		{"shell waiting for a command", `sh -c 'echo > {ready}; exec sleep 3600'`, ""},
		{"shell waiting, more commands after", `sh -c 'echo > {ready}; exec sleep 3600'; echo after > {dir}/got`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			Open(L, &host.Host{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			L.SetContext(ctx)
			dir := t.TempDir()
			ready := filepath.Join(dir, "ready")
			if err := unix.Mkfifo(ready, 0o600); err != nil {
				t.Fatal(err)
			}
			go func() {
				// The command writes a line once it waits: then stop.
				if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
					cancel()
				}
			}()
			command := strings.NewReplacer("{dir}", dir, "{ready}", ready).Replace(tc.command)
			done := make(chan error, 1)
			go func() { done <- L.DoString(`return os.execute("` + strings.ReplaceAll(command, `"`, `\"`) + `")`) }()
			select {
			case err := <-done:
				if err != nil && !strings.Contains(err.Error(), "context canceled") {
					t.Fatal(err)
				}
			case <-time.After(time.Minute): // only a hang gets here; the command sleeps an hour
				t.Fatal("os.execute still waits for its command a minute after the stop")
			}
			got, err := os.ReadFile(filepath.Join(dir, "got"))
			if tc.got == "" && err == nil {
				t.Errorf("the command went on after the stop: it wrote %q", got)
			}
			if tc.got != "" && (err != nil || strings.TrimSpace(string(got)) != tc.got) {
				t.Errorf("the command wrote %q, %v; want %s", got, err, tc.got)
			}
		})
	}
}

// TestReadsReplayed records what a script reads (io.open, io.lines,
// os.readlink, a missing file), removes the files, and replays: the
// answers are the recorded ones, and a read the recording lacks is an
// error naming the file.
func TestReadsReplayed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/f", []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target-of-link", dir+"/l"); err != nil {
		t.Fatal(err)
	}
	code := `local f = assert(io.open("` + dir + `/f")) local all = f:read("*a") f:close()
		local n = 0 for l in io.lines("` + dir + `/f") do n = n + 1 end
		local _, err = io.open("` + dir + `/missing", "r")
		return all .. n .. " " .. os.readlink("` + dir + `/l") .. " " .. err`
	want := "one\ntwo\n2 target-of-link open " + dir + "/missing: no such file or directory"
	var answers []recording.Answer
	rec := host.Recording(func(a recording.Answer) { answers = append(answers, a) })
	if got, err := luatest.Result(t, func(L *lua.LState) { Open(L, rec) }, code); err != nil || got != want {
		t.Fatalf("recording: %q, %v; want %q", got, err, want)
	}
	if len(answers) != 3 { // the file once: the second read is the same answer
		t.Errorf("recorded %d answers, want 3: %+v", len(answers), answers)
	}
	os.RemoveAll(dir)
	play := host.Replaying("test.ltrec")
	for i := range answers {
		play.Learn(&answers[i])
	}
	open := func(L *lua.LState) { Open(L, play) }
	if got, err := luatest.Result(t, open, code); err != nil || got != want {
		t.Errorf("replay: %q, %v; want %q", got, err, want)
	}
	_, err := luatest.Result(t, open, `return io.open("/etc/hostname")`)
	if err == nil || !strings.Contains(err.Error(), "read /etc/hostname was not recorded in test.ltrec; replay the recorded script") {
		t.Errorf("unrecorded read: %v, want an error naming the file and the fix", err)
	}
	if got, err := luatest.Result(t, open, `local f = io.open("`+dir+`/out", "w") return tostring(f == nil)`); err != nil || got != "true" {
		t.Errorf("a write in a replay goes to this machine (its folder is gone here): %q, %v", got, err)
	}
}
