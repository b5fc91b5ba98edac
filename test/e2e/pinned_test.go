package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// pinTestMap creates a hash map, with BTF types when typed, and pins it
// under /sys/fs/bpf (mounting bpffs there if needed).
func pinTestMap(t *testing.T, typed bool) (*ebpf.Map, string) {
	t.Helper()
	if err := rlimit.RemoveMemlock(); err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/bpf", &st); err != nil || st.Type != unix.BPF_FS_MAGIC {
		if err := unix.Mount("bpf", "/sys/fs/bpf", "bpf", 0, ""); err != nil {
			t.Fatalf("mount bpffs: %v", err)
		}
	}
	spec := &ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 24, MaxEntries: 16}
	if typed {
		u32 := &btf.Int{Name: "u32", Size: 4}
		u64 := &btf.Int{Name: "u64", Size: 8}
		char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
		spec.Key = u32
		spec.Value = &btf.Struct{Name: "entry", Size: 24, Members: []btf.Member{
			{Name: "count", Type: u64},
			{Name: "name", Type: &btf.Array{Type: char, Index: u32, Nelems: 16}, Offset: 64},
		}}
	}
	m, err := ebpf.NewMap(spec)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("/sys/fs/bpf", "luatrace-test-"+strings.ReplaceAll(t.Name(), "/", "-"))
	os.Remove(path)
	if err := m.Pin(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Unpin(); m.Close() })
	return m, path
}

// TestPinnedMapRoundTrip writes, reads, iterates and deletes entries of a
// pinned map from Lua, decoded through its BTF, and checks the kernel's
// copy from Go.
func TestPinnedMapRoundTrip(t *testing.T) {
	requireRoot(t)
	m, path := pinTestMap(t, true)
	if err := m.Put(uint32(1), append(append([]byte{5, 0, 0, 0, 0, 0, 0, 0}, "one"...), make([]byte, 13)...)); err != nil {
		t.Fatal(err)
	}
	r := luatrace(t, "-e", `local m = assert(map.open("`+path+`"))
print(m:get(1).count, m:get(1).name, m:get(2))
m:set(7, { count = 42, name = "seven" })
m:set(9, { count = 1 })
print(m:len(), m:delete(9), m:delete(9))
for _, it in ipairs(m:items()) do if it.key == 7 then print(it.value.name, it.value.count) end end
print(pcall(m.set, m, 3, { cuont = 1 }))
print(map.open("/sys/fs/bpf/no-such-map"))`).expectOK(t)
	lines := r.lines()
	want := []string{"5\tone\tnil", "3\ttrue\tfalse", "seven\t42"}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Fatalf("line %d: want %q in:\n%s", i+1, w, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, `struct entry has no member "cuont"`) || !strings.Contains(r.stdout, "nil\tcannot open pinned map /sys/fs/bpf/no-such-map") {
		t.Errorf("errors:\n%s", r.stdout)
	}
	var v [24]byte
	if err := m.Lookup(uint32(7), &v); err != nil || v[0] != 42 || string(v[8:13]) != "seven" {
		t.Errorf("kernel copy of key 7: %v %v", v, err)
	}
}

// TestPinnedMapWithoutBTF: integers for 4-byte keys, byte strings for values.
func TestPinnedMapWithoutBTF(t *testing.T) {
	requireRoot(t)
	m, path := pinTestMap(t, false)
	r := luatrace(t, "-e", `local m = assert(map.open("`+path+`"))
m:set(3, string.rep("x", 24))
print(#m:get(3), m:get(3):sub(1, 2), pcall(m.set, m, 4, "short"))`).expectOK(t)
	if !strings.HasPrefix(r.stdout, "24\txx\tfalse\t") || !strings.Contains(r.stdout, "give 24-byte strings") {
		t.Errorf("output:\n%s", r.stdout)
	}
	var v [24]byte
	if err := m.Lookup(uint32(3), &v); err != nil || v[0] != 'x' {
		t.Errorf("kernel copy: %v %v", v, err)
	}
}
