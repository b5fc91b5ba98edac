# luatrace — build, test, benchmark.
#
#   make            build ./luatrace (no clang needed: BPF objects are committed)
#   make test       unit + privileged integration tests (what CI runs)
#   make generate   rebuild the BPF objects with bpf2go (needs clang)
#   make vmtest     guest tests under QEMU on Debian's 5.10, 6.1, 6.12 (kprobe, fentry, modules)
#   make bench      overhead benchmark against the empty-program floor and bpftrace

GO      ?= go
BIN     ?= luatrace
GOFLAGS ?=
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test unit vmtest generate check-generate bench clean

all: build

build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS) -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/luatrace

# Privileged tests need root; with CI=true they fail instead of skipping.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

# Boots each kernel of test/vm/kernels.go under QEMU (TCG) and runs
# test/vm/guest/tests there:
# kprobes, fentry and module probes this machine's kernel cannot attach.
# Needs qemu-system-x86, busybox-static, gcc and apt (to fetch the kernel).
vmtest:
	$(GO) run ./test/vm

unit:
	$(GO) test -race -count=1 -short ./...

generate:
	$(GO) generate ./bpf/...

# CI: the committed BPF objects must match what clang builds from source.
check-generate: generate
	git diff --exit-code -- bpf/ || (echo "generated BPF files are stale: run make generate and commit" >&2; exit 1)

bench: build
	$(GO) run ./test/bench -luatrace ./$(BIN)

clean:
	rm -f $(BIN)
