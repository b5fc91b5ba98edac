package main

// kernel is one kernel the guest tests boot. Adding a kernel is one line
// in kernels: the metapackage names the current image package, and the
// -unsigned image (same kernel, no Secure Boot signature) is downloaded.
type kernel struct {
	name string // short name for reports and -kernel
	meta string // Debian metapackage that depends on the current image
}

var kernels = []kernel{
	{name: "debian12-6.1-cloud", meta: "linux-image-cloud-amd64"},
}
