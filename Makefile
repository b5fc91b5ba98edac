# luatrace — build, test, benchmark.
#
#   make            build ./luatrace (no clang needed: BPF objects are committed)
#   make test       unit + privileged integration tests (what CI runs)
#   make generate   rebuild the BPF objects with bpf2go (needs clang)
#   make vmtest     guest tests under QEMU on Debian's 5.10, 6.1, 6.12 (kprobe, fentry, modules)
#   make bench      startup, per-event overhead against the empty-program floor and flood throughput, beside bpftrace
#   make fuzz       each fuzz target for FUZZTIME (default 10m), one after another
#   make soak       SOAKTIME (default 10m) of floods, churn and SIGINTs (not in CI)

GO      ?= go
BIN     ?= luatrace
GOFLAGS ?=
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test unit vmtest generate check-generate bench fuzz soak clean

all: build

build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS) -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/luatrace

# Privileged tests need root; with CI=true they fail instead of skipping.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 45m ./...

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
	$(GO) run ./test/bench -luatrace ./$(BIN) $(BENCHFLAGS)

# Fuzz targets as PACKAGE:TARGET. make test runs their seed corpora and
# the crashers in testdata/fuzz; this runs the fuzzer itself. FUZZPARALLEL
# is the fuzzing processes per target: raise it on a machine of your own.
FUZZ_TARGETS := \
	./bpf/probespec:FuzzParse \
	./bpf/capture:FuzzCompile \
	./bpf/capture:FuzzDecode \
	./luaapi/event:FuzzDecodeTracepoint \
	./bpf/usdt:FuzzParseArgs \
	./bpf/usdt:FuzzParseNotes
FUZZTIME     ?= 10m
FUZZPARALLEL ?= 1

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) $$pkg; \
	done

# Needs root. Prints RSS over time and each SIGINT's exit time. SOAKRATE
# paces the getppid flood (calls per second; 0: one CPU flat out).
SOAKTIME ?= 10m
SOAKRATE ?= 0
soak:
	$(GO) vet -tags soak ./test/soak
	$(GO) test -tags soak -count=1 -timeout 0 -v -run TestSoak ./test/soak -soak=$(SOAKTIME) -soak.rate=$(SOAKRATE)

clean:
	rm -f $(BIN)
