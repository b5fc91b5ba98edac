package collector

import (
	"errors"
	"fmt"
	"github.com/cilium/ebpf"
	"syscall"
)

// memChunk is how many bytes one run of the reader program reads.
const memChunk = 4096

// ReadKernel reads n bytes of kernel memory at addr by running the
// collector's reader program (BPF_PROG_TEST_RUN of a raw_tp program; no
// attachment). A fault is an error naming the address.
func (c *Collector) ReadKernel(addr uint64, n int) ([]byte, error) {
	if n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("read of %d bytes: ask for 0 to 1 MiB", n)
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		chunk := min(n-len(out), memChunk)
		b, err := c.runReader(addr+uint64(len(out)), chunk, false)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// ReadKernelString reads a NUL-terminated kernel string of at most max
// bytes at addr, without the NUL.
func (c *Collector) ReadKernelString(addr uint64, max int) (string, error) {
	if max <= 0 || max > memChunk {
		max = memChunk
	}
	b, err := c.runReader(addr, max, true)
	return string(b), err
}

func (c *Collector) runReader(addr uint64, n int, str bool) ([]byte, error) {
	c.memMu.Lock()
	defer c.memMu.Unlock()
	if c.memProg == nil {
		prog, err := c.load(collectorProgLtKread, 0, "", ebpf.AttachNone)
		if err != nil {
			return nil, fmt.Errorf("kernel memory reader: %w", err)
		}
		c.memProg = prog
	}
	flag := uint64(0)
	if str {
		flag = 1
	}
	ctx := []uint64{addr, uint64(n), flag}
	if _, err := c.memProg.Run(&ebpf.RunOptions{Context: ctx}); err != nil {
		return nil, fmt.Errorf("run the kernel memory reader: %w", err)
	}
	var buf collectorLtMemBuf
	if err := c.memBuf.Lookup(uint32(0), &buf); err != nil {
		return nil, fmt.Errorf("read the kernel memory reader's result: %w", err)
	}
	if buf.Err != 0 {
		return nil, fmt.Errorf("cannot read kernel memory at 0x%x: %w", addr, errnoOf(buf.Err))
	}
	return append([]byte(nil), buf.Data[:buf.Len]...), nil
}

func errnoOf(e int64) error {
	if e < 0 && e > -4096 {
		return syscall.Errno(-e)
	}
	return errors.New("unknown error")
}
