package e2e

import (
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Where the files behind a user stack are not where the process's maps
// say: in another mount namespace, deleted, or stripped with the debug
// info installed apart. Each profiles qsortcmp built without frame
// pointers with --call-graph dwarf and checks the function names of the
// folded stacks.

// fullStacks counts the samples of stacks that match qsortFullStack (cmp
// unwound through libc's qsort, work and main).
func fullStacks(t *testing.T, r result) (full, total int) {
	t.Helper()
	stacks, counts, total := folded(t, r)
	for i, s := range stacks {
		if qsortFullStack.MatchString(s) {
			full += counts[i]
		}
	}
	return full, total
}

// TestProfileOtherMountNamespace: qsortcmp runs from a tmpfs mounted in a
// mount namespace of its own, so its path does not exist in luatrace's
// view (as in a container); its stacks are unwound and named from the
// file read through /proc/PID/map_files.
func TestProfileOtherMountNamespace(t *testing.T) {
	requireRoot(t)
	exe := qsortNoFP(t)
	dir := t.TempDir() // empty here; the namespace mounts over it
	inside := filepath.Join(dir, "qsortcmp")
	cmd := "unshare -m sh -c 'mount -t tmpfs none " + dir + " && cp " + exe + " " + inside + " && exec " + inside + " 1500'"
	r := luatrace(t, "-c", cmd, "profile", "--call-graph", "dwarf", "-U", "-F", "99", "-f").expectOK(t)
	if _, err := os.Stat(inside); err == nil {
		t.Fatalf("%s exists outside the namespace: the test does not test it", inside)
	}
	if full, total := fullStacks(t, r); total < 5 || 2*full <= total {
		t.Errorf("%d of %d samples have the full stack of cmp, want most:\n%s\nstderr:\n%s", full, total, r.stdout, r.stderr)
	}
}

// TestProfileDeletedBinary: qsortcmp is deleted once it runs, before
// luatrace first sees it; its stacks are unwound and named from the file
// still mapped, read through /proc/PID/map_files.
func TestProfileDeletedBinary(t *testing.T) {
	requireRoot(t)
	exe := filepath.Join(t.TempDir(), "qsortcmp")
	if out, err := exec.Command("cp", qsortNoFP(t), exe).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	work := exec.Command(exe, "0") // until killed
	if err := work.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { work.Process.Kill(); work.Wait() }()
	// Start returns once exec succeeded: the file is mapped.
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, "profile", "-p", strconv.Itoa(work.Process.Pid), "--call-graph", "dwarf", "-U", "-F", "99", "-f", "2").expectOK(t)
	if full, total := fullStacks(t, r); total < 5 || 2*full <= total {
		t.Errorf("%d of %d samples have the full stack of cmp, want most:\n%s\nstderr:\n%s", full, total, r.stdout, r.stderr)
	}
}

// TestProfileStrippedBinary: qsortcmp stripped of its symbols, whose debug
// info is installed as /usr/lib/debug/.build-id/xx/yyyy.debug, has work,
// main and cmp named from there (without it, cmp is an address). The
// debug folder is a temporary one bind-mounted over /usr/lib/debug in a
// mount namespace that luatrace runs in, so the real one is untouched;
// libc's debug info is hidden with it, so libc's internal frames may be
// addresses.
func TestProfileStrippedBinary(t *testing.T) {
	requireRoot(t)
	exe := gccWorkload(t, "qsortcmp", "-O2", "-fomit-frame-pointer", "-g", "-Wl,--build-id")
	debugRoot := installDebugInfo(t, exe, true)
	profile := []string{"-c", exe + " 1500", "profile", "--call-graph", "dwarf", "-U", "-F", "99", "-f"}

	r := inDebugNamespace(t, debugRoot, profile...).expectOK(t)
	stacks, counts, total := folded(t, r)
	named := 0
	for i, s := range stacks {
		if strings.HasSuffix(s, ";cmp") && strings.Contains(s, ";main;work;") {
			named += counts[i]
		}
	}
	if total < 5 || 2*named <= total {
		t.Errorf("with the debug file: %d of %d samples are cmp <- ... <- work <- main, want most:\n%s\nstderr:\n%s", named, total, r.stdout, r.stderr)
	}

	empty := t.TempDir()
	r = inDebugNamespace(t, empty, profile...).expectOK(t)
	if strings.Contains(r.stdout, ";cmp ") || strings.Contains(r.stdout, ";work;") {
		t.Errorf("without the debug file, cmp and work are named: the test does not test the lookup:\n%s", r.stdout)
	}
}

// installDebugInfo moves exe's debug info (built -g) to a separate file
// under a new folder laid out as /usr/lib/debug (.build-id/xx/yyyy.debug),
// stripping exe if strip, and returns the folder: the tests bind-mount it
// over /usr/lib/debug in a mount namespace of their own.
func installDebugInfo(t *testing.T, exe string, strip bool) string {
	t.Helper()
	root := t.TempDir()
	id := buildID(t, exe)
	installed := filepath.Join(root, ".build-id", id[:2], id[2:]+".debug")
	if err := os.MkdirAll(filepath.Dir(installed), 0o755); err != nil {
		t.Fatal(err)
	}
	cmds := [][]string{{"objcopy", "--only-keep-debug", exe, installed}}
	if strip {
		cmds = append(cmds, []string{"strip", "--strip-all", exe})
	}
	for _, c := range cmds {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return root
}

// inDebugNamespace runs luatrace with args in a mount namespace where
// debugRoot is /usr/lib/debug.
func inDebugNamespace(t *testing.T, debugRoot string, args ...string) result {
	t.Helper()
	argv := debugNamespaceArgs(t, debugRoot, args...)
	return runBounded(t, build(t), nil, argv[0], argv[1:]...)
}

// debugNamespaceArgs is the command line that runs luatrace with args in
// a mount namespace where debugRoot is /usr/lib/debug; luatrace keeps the
// command's process id (each step execs the next).
func debugNamespaceArgs(t *testing.T, debugRoot string, args ...string) []string {
	t.Helper()
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return []string{"unshare", "-m", "sh", "-c",
		"mount --bind " + debugRoot + " /usr/lib/debug && exec " + bin(t, "luatrace") + " " + strings.Join(quoted, " ")}
}

// buildID reads the GNU build-id of an ELF file, in hex.
func buildID(t *testing.T, path string) string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(".note.gnu.build-id")
	if s == nil {
		t.Fatalf("%s has no build-id", path)
	}
	b, err := s.Data()
	if err != nil || len(b) < 16 {
		t.Fatalf("%s: build-id note: %v", path, err)
	}
	// namesz, descsz, type, "GNU\0", then the id.
	return hex.EncodeToString(b[16:])
}
