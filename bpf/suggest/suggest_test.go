package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"vfs_read", "vfs_write", "vfs_readv", "do_sys_open", "kprobe", "kretprobe"}
	tests := []struct {
		input, want string
		ok          bool
	}{
		{"vfs_raed", "vfs_read", true},  // transposition
		{"vfs_wrte", "vfs_write", true}, // deletion
		{"kprob", "kprobe", true},
		{"VFS_READ", "vfs_read", true}, // case only
		{"tcp_sendmsg", "", false},     // nothing close
		{"x", "", false},
		{"vfs_read", "vfs_readv", true}, // exact match is skipped, next nearest wins
	}
	for _, tc := range tests {
		got, ok := Closest(tc.input, names)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tc.input, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPhrase(t *testing.T) {
	if got := Phrase("vfs_raed", []string{"vfs_read"}); got != " (did you mean vfs_read?)" {
		t.Errorf("got %q", got)
	}
	if got := Phrase("zzz", []string{"vfs_read"}); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"raed", "read", 1},
	}
	for _, tc := range tests {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
