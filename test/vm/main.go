// Command vm boots kernels under QEMU and runs luatrace's guest tests in
// them, for the probe types this machine's kernel lacks (kprobes, fentry).
//
//	go run ./test/vm [-kernel NAME] [-v]
//
// For each kernel in kernels.go it downloads the Debian image package
// (apt-get download; not installed), extracts vmlinuz, builds an initramfs
// with busybox, a static luatrace, static workloads and guest/tests, boots
// it with TCG (no network device), and reports each test. It exits non-zero
// if any test fails or a VM does not finish.
package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

//go:embed guest
var guest embed.FS

func main() {
	only := flag.String("kernel", "", "run only the kernel with this name")
	verbose := flag.Bool("v", false, "show the VM's console as it runs")
	timeout := flag.Duration("timeout", 20*time.Minute, "limit for one VM run")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("vmtest: ")

	work, err := os.MkdirTemp("", "luatrace-vm-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	initrd := filepath.Join(work, "initrd.cpio")
	if err := buildInitramfs(initrd, work); err != nil {
		log.Fatal(err)
	}
	failed := false
	ran := 0
	for _, k := range kernels {
		if *only != "" && k.name != *only {
			continue
		}
		ran++
		vmlinuz, err := fetchKernel(k)
		if err != nil {
			log.Fatalf("%s: %v", k.name, err)
		}
		kinitrd, err := withModules(initrd, vmlinuz, work)
		if err != nil {
			log.Fatalf("%s: %v", k.name, err)
		}
		if !runVM(k, vmlinuz, kinitrd, *timeout, *verbose) {
			failed = true
		}
	}
	if ran == 0 {
		log.Fatalf("no kernel called %q (see test/vm/kernels.go)", *only)
	}
	if failed {
		os.Exit(1)
	}
}

// cacheDir keeps downloaded kernels between runs.
func cacheDir() string {
	if d := os.Getenv("LUATRACE_VM_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "luatrace-vm")
	}
	return filepath.Join(os.TempDir(), "luatrace-vm")
}

// fetchKernel resolves the metapackage to the current image, downloads the
// -unsigned package once and returns the path of its vmlinuz.
func fetchKernel(k kernel) (string, error) {
	out, err := exec.Command("apt-cache", "depends", k.meta).Output()
	if err != nil {
		return "", fmt.Errorf("apt-cache depends %s: %v (run apt-get update)", k.meta, err)
	}
	var image string
	for _, line := range strings.Split(string(out), "\n") {
		if dep, ok := strings.CutPrefix(strings.TrimSpace(line), "Depends: "); ok && strings.HasPrefix(dep, "linux-image-") {
			image = dep + "-unsigned"
			break
		}
	}
	if image == "" {
		return "", fmt.Errorf("%s depends on no linux-image package", k.meta)
	}
	dir := filepath.Join(cacheDir(), image)
	if m, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*")); len(m) == 1 {
		return m[0], nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	log.Printf("downloading %s", image)
	get := exec.Command("apt-get", "download", image)
	get.Dir = dir
	if out, err := get.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apt-get download %s: %v\n%s", image, err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	if len(debs) != 1 {
		return "", fmt.Errorf("expected one .deb in %s, found %d", dir, len(debs))
	}
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg-deb -x: %v\n%s", err, out)
	}
	os.Remove(debs[0])
	m, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	if len(m) != 1 {
		return "", fmt.Errorf("no vmlinuz in %s", image)
	}
	return m[0], nil
}

// buildInitramfs compiles luatrace and the workloads statically and packs
// them with busybox and the guest scripts.
func buildInitramfs(path, work string) error {
	bin := filepath.Join(work, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(bin, "luatrace"), "./cmd/luatrace")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	srcs, _ := filepath.Glob("test/workloads/*.c")
	for _, src := range srcs {
		name := strings.TrimSuffix(filepath.Base(src), ".c")
		if out, err := exec.Command("gcc", "-static", "-O1", "-g", "-o", filepath.Join(bin, name), src).CombinedOutput(); err != nil {
			return fmt.Errorf("gcc -static %s: %v\n%s", src, err, out)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	c := &cpioWriter{w: w}
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "w", "t", "s"} {
		c.Dir(d)
	}
	busybox, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox: %v (apt-get install busybox-static)", err)
	}
	c.File("bin/busybox", 0o755, busybox)
	c.Symlink("bin/sh", "busybox")
	initScript, _ := guest.ReadFile("guest/init")
	c.File("init", 0o755, initScript)
	lib, _ := guest.ReadFile("guest/lib.sh")
	c.File("lib.sh", 0o644, lib)
	tests, _ := fs.Glob(guest, "guest/tests/*.sh")
	for _, t := range tests {
		b, _ := guest.ReadFile(t)
		c.File("t/"+filepath.Base(t), 0o644, b)
	}
	scripts, _ := filepath.Glob("scripts/*.lua")
	for _, sc := range scripts {
		b, err := os.ReadFile(sc)
		if err != nil {
			return err
		}
		c.File("s/"+filepath.Base(sc), 0o644, b)
	}
	entries, _ := os.ReadDir(bin)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(bin, e.Name()))
		if err != nil {
			return err
		}
		c.File("w/"+e.Name(), 0o755, b)
	}
	if err := c.Close(); err != nil {
		return err
	}
	return w.Flush()
}

// runVM boots one kernel and reports its tests; false if anything failed.
func runVM(k kernel, vmlinuz, initrd string, timeout time.Duration, verbose bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		"-accel", "tcg", "-cpu", "max", "-m", "1G", "-smp", "2",
		"-nographic", "-no-reboot", "-nic", "none",
		"-kernel", vmlinuz, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 oops=panic quiet loglevel=4")
	var console bytes.Buffer
	var sink io.Writer = &console
	if verbose {
		sink = io.MultiWriter(&console, os.Stdout)
	}
	cmd.Stdout, cmd.Stderr = sink, sink
	start := time.Now()
	err := cmd.Run()
	rep := parseConsole(console.String())
	fmt.Printf("== %s (kernel %s), %.0fs\n", k.name, rep.kernel, time.Since(start).Seconds())
	for _, t := range rep.tests {
		fmt.Printf("%-4s %-28s %s\n", t.status, t.name, t.took)
		if t.status != "PASS" {
			fmt.Printf("%s\n", indent(t.output))
		}
	}
	ok := rep.done && rep.failures() == 0 && len(rep.tests) > 0
	if !rep.done {
		why := "did not finish"
		if ctx.Err() != nil {
			why = fmt.Sprintf("timed out after %s", timeout)
		} else if err != nil {
			why = fmt.Sprintf("qemu: %v", err)
		}
		fmt.Printf("FAIL the VM %s; last console lines:\n%s\n", why, indent(lastLines(console.String(), 40)))
	}
	if rep.dmesg != "" {
		fmt.Printf("kernel messages:\n%s\n", indent(rep.dmesg))
	}
	fmt.Printf("%d passed, %d failed\n", len(rep.tests)-rep.failures(), rep.failures())
	return ok
}

// guestModules are kernel modules the guest tests load (from the image
// package), put under /m/RELEASE/.
var guestModules = []string{"kernel/drivers/net/dummy.ko", "kernel/drivers/md/md-mod.ko", "kernel/drivers/md/raid0.ko", "kernel/drivers/block/loop.ko"}

// withModules appends a cpio archive with the kernel's guestModules to the
// shared initramfs; the kernel unpacks concatenated archives in order.
func withModules(base, vmlinuz, work string) (string, error) {
	release := strings.TrimPrefix(filepath.Base(vmlinuz), "vmlinuz-")
	root := filepath.Join(filepath.Dir(filepath.Dir(vmlinuz)), "lib", "modules", release)
	b, err := os.ReadFile(base)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	buf.Write(b)
	c := &cpioWriter{w: &buf}
	c.Dir("m")
	c.Dir("m/" + release)
	for _, m := range guestModules {
		ko, err := os.ReadFile(filepath.Join(root, m))
		if err != nil {
			continue // the test says which module is missing
		}
		c.File("m/"+release+"/"+filepath.Base(m), 0o644, ko)
	}
	if err := c.Close(); err != nil {
		return "", err
	}
	path := filepath.Join(work, "initrd-"+release+".cpio")
	return path, os.WriteFile(path, buf.Bytes(), 0o644)
}
