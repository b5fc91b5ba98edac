// Command vm boots kernels under QEMU and runs luatrace's guest tests in
// them, for the probe types this machine's kernel lacks (kprobes, fentry).
//
//	go run ./test/vm [-kernel NAME] [-run REGEXP] [-v] [-out DIR]
//
// For each kernel in kernels.go it downloads the Debian image package
// (apt-get download; not installed), extracts vmlinuz, builds an initramfs
// with busybox, a static luatrace, static workloads, guest/tests and the
// kernel modules the tests load (from the same package), boots it with TCG
// (no network device), and reports each test, then a line per kernel. It
// exits non-zero if any test fails or a VM does not finish. With -out,
// the files guest tests export (lib.sh's export_file: recordings made in
// the guest, such as the fixtures of tools that need kprobes or fentry)
// are written to DIR.
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
	"regexp"
	"strings"
	"time"
)

//go:embed guest
var guest embed.FS

func main() {
	only := flag.String("kernel", "", "run only the kernel with this name")
	run := flag.String("run", "", "run only the guest tests whose names match this regular expression")
	verbose := flag.Bool("v", false, "show the VM's console as it runs")
	timeout := flag.Duration("timeout", 20*time.Minute, "limit for one VM run")
	outDir := flag.String("out", "", "write the files guest tests export to this folder")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("vmtest: ")

	work, err := os.MkdirTemp("", "luatrace-vm-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	initrd := filepath.Join(work, "initrd.cpio")
	match, err := regexp.Compile(*run)
	if err != nil {
		log.Fatalf("-run: %v", err)
	}
	if err := buildInitramfs(initrd, work, match); err != nil {
		log.Fatal(err)
	}
	var results []result
	for _, k := range kernels {
		if *only != "" && k.name != *only {
			continue
		}
		img, err := fetchKernel(k)
		if err != nil {
			log.Fatalf("%s: %v", k.name, err)
		}
		kinitrd, err := withModules(initrd, img, work)
		if err != nil {
			log.Fatalf("%s: %v", k.name, err)
		}
		res, rep := runVM(k, img.vmlinuz, kinitrd, *timeout, *verbose)
		results = append(results, res)
		if *outDir != "" {
			if err := writeFiles(*outDir, rep.files); err != nil {
				log.Fatalf("%s: %v", k.name, err)
			}
		}
	}
	if len(results) == 0 {
		log.Fatalf("no kernel called %q (see test/vm/kernels.go)", *only)
	}
	failed := false
	fmt.Printf("== matrix\n")
	for _, r := range results {
		fmt.Printf("%-26s %-28s %3d passed %3d failed %5.0fs %s\n", r.name, r.release, r.passed, r.failed, r.took.Seconds(), r.verdict())
		failed = failed || !r.ok
	}
	if failed {
		os.Exit(1)
	}
}

// result is one kernel's run, for the matrix summary.
type result struct {
	name, release  string
	passed, failed int
	took           time.Duration
	ok             bool
}

func (r result) verdict() string {
	if r.ok {
		return "ok"
	}
	return "FAIL"
}

// buildInitramfs compiles luatrace and the workloads statically and packs
// them with busybox and the guest tests whose names match.
func buildInitramfs(path, work string, match *regexp.Regexp) error {
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
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "w", "t", "s", "d"} {
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
		if !match.MatchString(strings.TrimSuffix(filepath.Base(t), ".sh")) {
			continue
		}
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
	docs, _ := filepath.Glob("docs/*.md") // pages whose commands guest tests run
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			return err
		}
		c.File("d/"+filepath.Base(d), 0o644, b)
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

// writeFiles writes the files a VM exported to dir, saying which.
func writeFiles(dir string, files map[string][]byte) error {
	for name, b := range files {
		path := filepath.Join(dir, filepath.Base(name))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("exported file: %w", err)
		}
		fmt.Printf("wrote %s (%d bytes)\n", path, len(b))
	}
	return nil
}

// runVM boots one kernel and reports its tests.
func runVM(k kernel, vmlinuz, initrd string, timeout time.Duration, verbose bool) (result, report) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// cx16=off: Debian 12's QEMU (7.2) emulates CMPXCHG16B with a per-CPU
	// (gs:) operand leaving garbage in EFLAGS, and SLUB's fast path in
	// 6.8+ kernels uses it: 6.12 double-faulted in 7 of 10 boots with it,
	// in none of 10 without (the kernel then takes SLUB's locked path).
	// thread=single: with one host thread per vCPU, 6.12 oopsed on an int3
	// the kernel's text patching had already removed (enabling a
	// tracepoint while the other vCPU ran the patched code); one thread
	// for both vCPUs runs them in turn and the patch is seen at once.
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		"-accel", "tcg,thread=single", "-cpu", "max,cx16=off", "-m", "1G", "-smp", "2",
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
	res := result{name: k.name, release: rep.kernel, passed: len(rep.tests) - rep.failures(), failed: rep.failures(), took: time.Since(start), ok: ok}
	fmt.Printf("%d passed, %d failed\n", res.passed, res.failed)
	return res, rep
}

// withModules appends a cpio archive with the kernel's guestModules, their
// dependencies and a modules.dep under /lib/modules/RELEASE to the shared
// initramfs (the kernel unpacks concatenated archives in order), so guest
// tests load them with modprobe.
func withModules(base string, img image, work string) (string, error) {
	tree, err := readModuleTree(img.modules)
	if err != nil {
		return "", err
	}
	mods, err := tree.closure(guestModules)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(base)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	buf.Write(b)
	c := &cpioWriter{w: &buf}
	root := "lib/modules/" + img.release
	dirs := map[string]bool{}
	mkdirs := func(dir string) {
		var parts []string
		for _, p := range strings.Split(dir, "/") {
			parts = append(parts, p)
			if d := strings.Join(parts, "/"); !dirs[d] {
				dirs[d] = true
				c.Dir(d)
			}
		}
	}
	mkdirs(root)
	for path, ko := range mods.files {
		mkdirs(filepath.Dir(root + "/" + path))
		c.File(root+"/"+path, 0o644, ko)
	}
	c.File(root+"/modules.dep", 0o644, []byte(strings.Join(mods.dep, "\n")+"\n"))
	for _, f := range []string{"modules.builtin", "modules.order"} {
		if b, err := os.ReadFile(filepath.Join(img.modules, f)); err == nil {
			c.File(root+"/"+f, 0o644, b)
		}
	}
	if err := c.Close(); err != nil {
		return "", err
	}
	path := filepath.Join(work, "initrd-"+img.release+".cpio")
	return path, os.WriteFile(path, buf.Bytes(), 0o644)
}
