package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// fakeModule compiles an object whose .modinfo says what it depends on,
// as a kernel module's does, at root/rel (compressed by rel's suffix).
func fakeModule(t *testing.T, root, rel, depends string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "m.c")
	code := `__attribute__((section(".modinfo"), used)) static const char info[] = "license=GPL\0depends=` + depends + `\0name=x";` + "\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	obj := path
	if filepath.Ext(rel) == ".xz" {
		obj = path[:len(path)-len(".xz")]
	}
	if out, err := exec.Command("gcc", "-c", "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	if obj != path {
		if out, err := exec.Command("xz", obj).CombinedOutput(); err != nil {
			t.Fatalf("xz: %v\n%s", err, out)
		}
	}
}

func TestModuleClosure(t *testing.T) {
	root := t.TempDir()
	fakeModule(t, root, "kernel/drivers/md/raid0.ko.xz", "md-mod")
	fakeModule(t, root, "kernel/drivers/md/md-mod.ko", "")
	fakeModule(t, root, "kernel/drivers/net/dummy.ko", "")
	fakeModule(t, root, "kernel/fs/unused.ko", "")
	tree, err := readModuleTree(root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		want  []string
		files []string
		dep   []string
	}{
		{"dependency pulled in", []string{"raid0"}, []string{"kernel/drivers/md/md-mod.ko", "kernel/drivers/md/raid0.ko"},
			[]string{"kernel/drivers/md/md-mod.ko:", "kernel/drivers/md/raid0.ko: kernel/drivers/md/md-mod.ko"}},
		{"dash and underscore alike", []string{"md_mod", "dummy"}, []string{"kernel/drivers/md/md-mod.ko", "kernel/drivers/net/dummy.ko"},
			[]string{"kernel/drivers/md/md-mod.ko:", "kernel/drivers/net/dummy.ko:"}},
		{"built in or absent: left out", []string{"loop"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tree.closure(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for f, b := range s.files {
				if len(b) < 4 || string(b[1:4]) != "ELF" {
					t.Errorf("%s is not a plain ELF object", f)
				}
				files = append(files, f)
			}
			slices.Sort(files)
			if !slices.Equal(files, tt.files) {
				t.Errorf("files %q, want %q", files, tt.files)
			}
			if !slices.Equal(s.dep, tt.dep) {
				t.Errorf("modules.dep %q, want %q", s.dep, tt.dep)
			}
		})
	}
}
