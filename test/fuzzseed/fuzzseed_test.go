package fuzzseed

import (
	"reflect"
	"testing"
)

func TestLiterals(t *testing.T) {
	got := literals(`probe("tracepoint:a:b", { filter = 'pid != 1' }) x = [[str(arg0)]] "a\"b" "unterminated
"tab\t"`)
	want := []string{"tracepoint:a:b", "pid != 1", "str(arg0)", `a"b`, "tab\t"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("literals = %q, want %q", got, want)
	}
}

func TestStringsFindsTheScripts(t *testing.T) {
	seeds := Strings(t)
	has := map[string]bool{}
	for _, s := range seeds {
		has[s] = true
	}
	if !has["tracepoint:syscalls:sys_enter_openat"] {
		t.Errorf("%d seeds, but not the openat tracepoint every tool uses", len(seeds))
	}
}
