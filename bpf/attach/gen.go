package attach

// The system call table is generated and committed; `make generate`
// rebuilds it.
//go:generate go run gen_syscalls.go
