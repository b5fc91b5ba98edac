package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestOpensnoopTool(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "opened")
	os.WriteFile(file, []byte("x"), 0o644)
	r := luatrace(t, "-c", bin(t, "openat")+" "+file+" 3", "opensnoop", "-e").expectOK(t)
	got := matching(rows(t, r, "PID "), -1, file)
	if len(got) != 3 {
		t.Fatalf("%d opens of %s, want 3:\n%s", len(got), file, r.stdout)
	}
	for _, row := range got {
		if row[0] != got[0][0] || row[1] != "openat" || row[2] != "3" || row[3] != "0" || row[4] != "O_RDONLY|O_CLOEXEC" {
			t.Errorf("row %q, want PID, openat, fd 3, err 0, O_RDONLY|O_CLOEXEC", row)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing")
	r = luatrace(t, "-c", bin(t, "openat")+" "+missing+" 2", "opensnoop", "-x").expectOK(t)
	all := rows(t, r, "PID ")
	if got := matching(all, -1, missing); len(got) != 2 || got[0][2] != "-1" || got[0][3] != "2" {
		t.Errorf("failed opens %q, want 2 with fd -1 err 2 (ENOENT)", got)
	}
	for _, row := range all {
		if row[3] == "0" {
			t.Errorf("-x printed a successful open: %q", row)
		}
	}
}

func TestStatsnoopTool(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "statted")
	os.WriteFile(file, nil, 0o644)
	missing := file + ".missing"
	r := luatrace(t, "-c", "/usr/bin/stat --printf= "+file+" "+missing, "statsnoop")
	rs := rows(t, r, "PID ")
	if got := matching(rs, -1, file); len(got) == 0 || got[0][1] != "stat" || got[0][2] != "0" {
		t.Errorf("stat of %s: %q, want comm stat and err 0\n%s", file, got, r.stdout)
	}
	if got := matching(rs, -1, missing); len(got) == 0 || got[0][2] != "2" {
		t.Errorf("stat of %s: %q, want err 2 (ENOENT)", missing, got)
	}
}

// TestVfsstatTool: the kernel counts each VFS call; over all lines a
// column adds up to the workload's calls, plus a few of its start-up (the
// dynamic loader opens and reads the C library). OPEN counts open(2), which
// the C library's open() no longer calls, as well as openat(2).
func TestVfsstatTool(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		workload string
		column   int
		want     int
	}{
		{bin(t, "reads") + " 100 300", 1, 300},
		{bin(t, "openat") + " /etc/hostname 300 open", 4, 300},
		{bin(t, "openat") + " /etc/hostname 300", 4, 300},
	}
	for _, tc := range tests {
		r := luatrace(t, "-c", tc.workload, "vfsstat").expectOK(t)
		n := 0
		for _, row := range rows(t, r, "TIME ") {
			v, _ := strconv.Atoi(row[tc.column])
			n += v
		}
		if n < tc.want || n > tc.want+5 {
			t.Errorf("%s: %d calls in column %d, want %d and a few of start-up:\n%s", tc.workload, n, tc.column, tc.want, r.stdout)
		}
	}
}
