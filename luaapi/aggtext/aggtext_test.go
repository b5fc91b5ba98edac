package aggtext

import (
	"strings"
	"testing"
)

// The expected texts are what bpftrace 0.17 printed for the same
// aggregates on this machine (see the test names for the program).
func TestFormatMatchesBpftrace(t *testing.T) {
	lin := Linear{Min: 0, Max: 100, Step: 10}
	tests := []struct {
		name string
		kind Kind
		rows []Row
		lin  Linear
		want string
	}{
		{"@c[comm] = count()", Count, []Row{{Key: []string{"gp"}, Value: Value{Count: 1000}}}, lin, "@c[gp]: 1000\n"},
		{"@k[comm, 42] = count()", Count, []Row{{Key: []string{"gp", "42"}, Value: Value{Count: 1000}}}, lin, "@k[gp, 42]: 1000\n"},
		{"@s[comm] = sum(5)", Sum, []Row{{Key: []string{"gp"}, Value: Value{Count: 1000, Sum: 5000}}}, lin, "@s[gp]: 5000\n"},
		{"@mn = min(3)", Min, []Row{{Value: Value{Count: 1, Min: 3, Max: 3, Sum: 3}}}, lin, "@mn: 3\n"},
		{"@mx = max(3)", Max, []Row{{Value: Value{Count: 1, Min: 3, Max: 3, Sum: 3}}}, lin, "@mx: 3\n"},
		{"@d[comm] = min(3)", Min, []Row{{Key: []string{"gp"}, Value: Value{Count: 1, Min: 3, Max: 3, Sum: 3}}}, lin, "@d[gp]: 3\n"},
		{"@a = avg(7)", Avg, []Row{{Value: Value{Count: 2, Sum: 14}}}, lin, "@a: 7\n\n"},
		{"@st[comm] = stats(nr)", Stats, []Row{{Key: []string{"gp"}, Value: Value{Count: 1000, Sum: 110000}}}, lin,
			"@st[gp]: count 1000, average 110, total 110000\n\n"},
		{"@z = hist(0)", Hist, []Row{{Buckets: map[uint64]int64{1: 1000}}}, lin,
			"@z: \n[0]                 1000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"},
		{"@h = hist(x)", Hist, []Row{{Buckets: map[uint64]int64{0: 21, 2: 1, 11: 117, 12: 248, 14: 484}}}, lin, "@h: \n" +
			"(..., 0)              21 |@@                                                  |\n" +
			"[0]                    0 |                                                    |\n" +
			"[1]                    1 |                                                    |\n" +
			"[2, 4)                 0 |                                                    |\n" +
			"[4, 8)                 0 |                                                    |\n" +
			"[8, 16)                0 |                                                    |\n" +
			"[16, 32)               0 |                                                    |\n" +
			"[32, 64)               0 |                                                    |\n" +
			"[64, 128)              0 |                                                    |\n" +
			"[128, 256)             0 |                                                    |\n" +
			"[256, 512)             0 |                                                    |\n" +
			"[512, 1K)            117 |@@@@@@@@@@@@                                        |\n" +
			"[1K, 2K)             248 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
			"[2K, 4K)               0 |                                                    |\n" +
			"[4K, 8K)             484 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"},
		{"@h = hist(1500000)", Hist, []Row{{Buckets: map[uint64]int64{22: 100}}}, lin,
			"@h: \n[1M, 2M)             100 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"},
		{"@l = lhist(nsecs % 3000, 0, 2500, 1000)", LinearHist, []Row{{Buckets: map[uint64]int64{1: 32, 2: 35, 3: 33}}}, Linear{0, 2500, 1000}, "@l: \n" +
			"[0, 1000)             32 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@     |\n" +
			"[1000, 2000)          35 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
			"[2500, ...)           33 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   |\n\n"},
		{"@g[pid] = lhist(5, 0, 10, 5)", LinearHist, []Row{{Key: []string{"14186"}, Buckets: map[uint64]int64{2: 10}}}, Linear{0, 10, 5},
			"@g[14186]: \n[5, 10)               10 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			name := tc.name[:strings.IndexAny(tc.name, "[ ")]
			Format(&b, name, tc.kind, tc.rows, 0, tc.lin)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestSortAndTop(t *testing.T) {
	rows := []Row{{Key: []string{"b"}, Value: Value{Count: 5}}, {Key: []string{"a"}, Value: Value{Count: 9}}, {Key: []string{"c"}, Value: Value{Count: 1}}}
	var b strings.Builder
	Format(&b, "@", Count, rows, 2, Linear{})
	if want := "@[b]: 5\n@[a]: 9\n"; b.String() != want {
		t.Errorf("top 2: %q, want %q", b.String(), want)
	}
}

func TestBuckets(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want uint64
	}{{-1, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 3}, {1023, 11}, {1024, 12}, {1 << 62, 64}} {
		if got := Log2Bucket(tc.v); got != tc.want {
			t.Errorf("Log2Bucket(%d) = %d, want %d", tc.v, got, tc.want)
		}
	}
	lin := Linear{Min: 0, Max: 100, Step: 10}
	for _, tc := range []struct {
		v    int64
		want uint64
	}{{-5, 0}, {0, 1}, {9, 1}, {10, 2}, {99, 10}, {100, 11}, {1000, 11}} {
		if got := LinearBucket(tc.v, lin); got != tc.want {
			t.Errorf("LinearBucket(%d) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

// TestEscapeKey: a key cannot break the printout's one line per key.
func TestEscapeKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"bash", "bash"},
		{"x]: 1\n@fake[y", `x]: 1\n@fake[y`},
		{"a\tb\rc", `a\tb\rc`},
		{"\x1b[31mred\x7f", `\x1b[31mred\x7f`},
		{"back\\slash é", "back\\slash é"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := EscapeKey(tc.key); got != tc.want {
			t.Errorf("EscapeKey(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}
