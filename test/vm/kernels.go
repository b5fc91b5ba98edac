package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// kernel is one kernel the guest tests boot. Adding a kernel is one line
// in kernels: the suite's metapackage names the current image package, and
// the -unsigned image (same kernel, no Secure Boot signature) is
// downloaded with its modules.
type kernel struct {
	name  string // short name for reports and -kernel
	suite string // Debian suite; "" is the system's own release
	meta  string // metapackage that depends on the current image
}

// kernels is the matrix make vmtest boots: the oldest kernel luatrace
// supports (5.10: no bpf_loop, no attach cookies, no BTF task helper), the
// baseline the design names, and a current long-term kernel. The suites
// other than the system's come from test/vm/apt-suites.sh.
var kernels = []kernel{
	{name: "debian11-5.10-cloud", suite: "bullseye", meta: "linux-image-cloud-amd64"},
	{name: "debian12-6.1-cloud", meta: "linux-image-cloud-amd64"},
	{name: "debian12-bpo-6.12-cloud", suite: "bookworm-backports", meta: "linux-image-cloud-amd64"},
}

// image is a downloaded kernel package, unpacked.
type image struct {
	vmlinuz string
	release string
	modules string // lib/modules/RELEASE in the package
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

// fetchKernel resolves the metapackage in the kernel's suite to the current
// image, downloads the -unsigned package once and unpacks it.
func fetchKernel(k kernel) (image, error) {
	meta := k.meta
	if k.suite != "" {
		meta += "/" + k.suite
	}
	out, err := exec.Command("apt-cache", "depends", meta).CombinedOutput()
	if err != nil {
		why := "run apt-get update"
		if k.suite != "" {
			why = fmt.Sprintf("apt's sources need the %s suite: run test/vm/apt-suites.sh as root", k.suite)
		}
		return image{}, fmt.Errorf("apt-cache depends %s: %v (%s)\n%s", meta, err, why, out)
	}
	var pkg string
	for _, line := range strings.Split(string(out), "\n") {
		if dep, ok := strings.CutPrefix(strings.TrimSpace(line), "Depends: "); ok && strings.HasPrefix(dep, "linux-image-") {
			pkg = dep + "-unsigned"
			break
		}
	}
	if pkg == "" {
		return image{}, fmt.Errorf("%s depends on no linux-image package", meta)
	}
	dir := filepath.Join(cacheDir(), pkg)
	if img, err := unpacked(dir); err == nil {
		return img, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return image{}, err
	}
	log.Printf("downloading %s", pkg)
	get := exec.Command("apt-get", "download", pkg)
	get.Dir = dir
	if out, err := get.CombinedOutput(); err != nil {
		return image{}, fmt.Errorf("apt-get download %s: %v\n%s", pkg, err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	if len(debs) != 1 {
		return image{}, fmt.Errorf("expected one .deb in %s, found %d", dir, len(debs))
	}
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], dir).CombinedOutput(); err != nil {
		return image{}, fmt.Errorf("dpkg-deb -x: %v\n%s", err, out)
	}
	os.Remove(debs[0])
	return unpacked(dir)
}

// unpacked finds the kernel and its modules in an unpacked package.
func unpacked(dir string) (image, error) {
	m, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	if len(m) != 1 {
		return image{}, fmt.Errorf("no vmlinuz in %s", dir)
	}
	img := image{vmlinuz: m[0], release: strings.TrimPrefix(filepath.Base(m[0]), "vmlinuz-")}
	for _, lib := range []string{"lib", "usr/lib"} {
		p := filepath.Join(dir, lib, "modules", img.release)
		if _, err := os.Stat(p); err == nil {
			img.modules = p
			return img, nil
		}
	}
	return image{}, fmt.Errorf("no modules for %s in %s", img.release, dir)
}
