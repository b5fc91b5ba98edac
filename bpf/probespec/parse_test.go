package probespec

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		raw       string
		want      Spec
		canonical string
		wildcard  bool
	}{
		{"kprobe:vfs_read", Spec{Kind: Kprobe, Func: "vfs_read"}, "kprobe:vfs_read", false},
		{"k:vfs_read+16", Spec{Kind: Kprobe, Func: "vfs_read", Offset: 16}, "kprobe:vfs_read+16", false},
		{"kprobe:nf_tables:nft_do_chain", Spec{Kind: Kprobe, Module: "nf_tables", Func: "nft_do_chain"}, "kprobe:nf_tables:nft_do_chain", false},
		{"kretprobe:tcp_*", Spec{Kind: Kretprobe, Func: "tcp_*"}, "kretprobe:tcp_*", true},
		{"kr:vfs_read", Spec{Kind: Kretprobe, Func: "vfs_read"}, "kretprobe:vfs_read", false},
		{"kfunc:vfs_read", Spec{Kind: Fentry, Func: "vfs_read"}, "fentry:vfs_read", false},
		{"fentry:vfs_read", Spec{Kind: Fentry, Func: "vfs_read"}, "fentry:vfs_read", false},
		{"kretfunc:vfs_read", Spec{Kind: Fexit, Func: "vfs_read"}, "fexit:vfs_read", false},
		{"fexit:vfs_*", Spec{Kind: Fexit, Func: "vfs_*"}, "fexit:vfs_*", true},
		{"uprobe:libc:malloc", Spec{Kind: Uprobe, Path: "libc", Func: "malloc"}, "uprobe:libc:malloc", false},
		{"u:/bin/bash:readline+4", Spec{Kind: Uprobe, Path: "/bin/bash", Func: "readline", Offset: 4}, "uprobe:/bin/bash:readline+4", false},
		{"uprobe:/opt/a:b/bin:0x4a0", Spec{Kind: Uprobe, Path: "/opt/a:b/bin", Address: 0x4a0}, "uprobe:/opt/a:b/bin:0x4a0", false},
		{"uretprobe:./t:lt_*", Spec{Kind: Uretprobe, Path: "./t", Func: "lt_*"}, "uretprobe:./t:lt_*", true},
		{"usdt:/usr/bin/python3:python:function__entry", Spec{Kind: USDT, Path: "/usr/bin/python3", Provider: "python", Name: "function__entry"}, "usdt:/usr/bin/python3:python:function__entry", false},
		{"usdt:./app:probe1", Spec{Kind: USDT, Path: "./app", Name: "probe1"}, "usdt:./app:probe1", false},
		// A path with a colon keeps the empty provider, or it would become one.
		{"usdt:/opt/a:b::probe1", Spec{Kind: USDT, Path: "/opt/a:b", Name: "probe1"}, "usdt:/opt/a:b::probe1", false},
		{"tracepoint:syscalls:sys_enter_openat", Spec{Kind: Tracepoint, Group: "syscalls", Name: "sys_enter_openat"}, "tracepoint:syscalls:sys_enter_openat", false},
		{"t:syscalls:sys_enter_*", Spec{Kind: Tracepoint, Group: "syscalls", Name: "sys_enter_*"}, "tracepoint:syscalls:sys_enter_*", true},
		{"rawtracepoint:sched_switch", Spec{Kind: RawTracepoint, Func: "sched_switch"}, "rawtracepoint:sched_switch", false},
		{"rt:sched_*", Spec{Kind: RawTracepoint, Func: "sched_*"}, "rawtracepoint:sched_*", true},
		{"profile:hz:99", Spec{Kind: Profile, Hz: 99}, "profile:hz:99", false},
		{"p:ms:10", Spec{Kind: Profile, Period: 10 * time.Millisecond}, "profile:ms:10", false},
		{"interval:s:1", Spec{Kind: Interval, Period: time.Second}, "interval:s:1", false},
		{"i:ms:1500", Spec{Kind: Interval, Period: 1500 * time.Millisecond}, "interval:ms:1500", false},
		{"interval:us:250", Spec{Kind: Interval, Period: 250 * time.Microsecond}, "interval:us:250", false},
		{"interval:100ms", Spec{Kind: Interval, Period: 100 * time.Millisecond}, "interval:ms:100", false},
		{"i:2s", Spec{Kind: Interval, Period: 2 * time.Second}, "interval:s:2", false},
		{"profile:99hz", Spec{Kind: Profile, Hz: 99}, "profile:hz:99", false},
		{"BEGIN", Spec{Kind: Begin}, "BEGIN", false},
		{" END ", Spec{Kind: End}, "END", false},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := Parse(tc.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.want.Raw = tc.raw
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if s := got.String(); s != tc.canonical {
				t.Errorf("String() = %q, want %q", s, tc.canonical)
			}
			if got.Wildcard() != tc.wildcard {
				t.Errorf("Wildcard() = %v", got.Wildcard())
			}
			// The canonical form parses back to the same target.
			again, err := Parse(got.String())
			if err != nil {
				t.Fatalf("reparse: %v", err)
			}
			again.Raw = got.Raw
			if again != got {
				t.Errorf("canonical form does not round-trip: %+v", again)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", "empty probe spec"},
		{"kprob:vfs_read", `unknown probe type "kprob" in "kprob:vfs_read" (did you mean kprobe?)`},
		{"tracepiont:a:b", "did you mean tracepoint?"},
		{"zzzzzzzz:x", "known types: kprobe, kretprobe"},
		{"kprobe:", "want kprobe:FUNCTION"},
		{"kprobe:a:b:c", "want kprobe:FUNCTION"},
		{"kretprobe:vfs_read+4", "only kprobe takes an offset"},
		{"kprobe:vfs_read+x", `offset "x" is not a number`},
		{"kprobe:+5", `offset "+5" follows no function name`},
		{"uprobe:/bin/sh:+1", `offset "+1" follows no function name`},
		{"k: +0", `function name " " has white space; names have none`},
		{"tracepoint:sys calls:x", `group name "sys calls" has white space`},
		{"usdt:/bin/x:my provider:p", `provider name "my provider" has white space`},
		{"tracepoint:sched: sched_switch", `event name " sched_switch" has white space`},
		{"usdt:/bin/x:p:my probe", `event name "my probe" has white space`},
		{"uprobe:malloc", "want uprobe:BINARY:FUNCTION"},
		{"uprobe:/bin/sh:", "want uprobe:BINARY:FUNCTION"},
		{"uprobe:/bin/sh:0xzz", `address "0xzz"`},
		{"uretprobe:/bin/sh:main+4", "uretprobe takes no offset"},
		{"usdt:foo", "want usdt:BINARY:PROVIDER:NAME"},
		{"tracepoint:sys_enter_openat", "want tracepoint:GROUP:NAME"},
		{"tracepoint:a:b:c", "want tracepoint:GROUP:NAME"},
		{"rawtracepoint:", "want rawtracepoint:NAME"},
		{"profile:hz:0", "not a positive whole number"},
		{"profile:hz:1000000", "above the 100000 Hz limit"},
		{"profile:us:1", "shorter than"},
		{"interval:m:1", `unknown unit "m"`},
		{"interval:s", "want interval:s:N"},
		{"interval:hz:5", `unknown unit "hz"`},
		{"interval:s:99999999999999", "too long"},
		{"interval:5hz", `unknown unit "hz"`},
		{"interval:ms", "want interval:s:N"},
		{"interval:10", "want interval:s:N"},
		{"interval:0ms", "not a positive whole number"},
		{"BEGIN:x", "BEGIN takes no target"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.raw)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", tc.raw, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", tc.raw, err, tc.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) error spans lines: %q", tc.raw, err)
		}
	}
}

func TestKindPredicates(t *testing.T) {
	for _, k := range []Kind{Kretprobe, Fexit, Uretprobe} {
		if !k.Return() {
			t.Errorf("%s.Return() = false", k)
		}
	}
	for _, k := range []Kind{Begin, End, Interval} {
		if k.Kernel() {
			t.Errorf("%s.Kernel() = true", k)
		}
	}
	if !Tracepoint.Kernel() || Kprobe.Return() {
		t.Error("tracepoint is kernel-side, kprobe is not a return probe")
	}
}

func ExampleParse() {
	s, _ := Parse("kr:vfs_read")
	fmt.Println(s.Kind, s.Func, s.Kind.Return())
	fmt.Println(s)
	// Output:
	// kretprobe vfs_read true
	// kretprobe:vfs_read
}
