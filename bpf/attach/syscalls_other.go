//go:build !amd64

package attach

// syscallNumbers is empty where no table is generated: the syscalls
// tracepoints then attach one by one.
var syscallNumbers = map[string]uint32{}
