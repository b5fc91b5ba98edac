// Package aggtext lays out aggregations (counts, sums, averages, stats and
// histograms) as bpftrace prints its maps, as text (Format) and as JSON
// records (AppendJSON), so output reads the same whether the kernel or a
// Lua callback aggregated:
//
//	@calls[bash]: 42
//	@lat:
//	[4, 8)                10 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
package aggtext

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/luatrace/luatrace/bpf/collector"
)

// Kind is how a map aggregates.
type Kind int

// Aggregation kinds.
const (
	Count Kind = iota
	Sum
	Min
	Max
	Avg
	Stats
	Hist
	LinearHist
)

// Kinds maps the names scripts use to kinds.
var Kinds = map[string]Kind{"count": Count, "sum": Sum, "min": Min, "max": Max, "avg": Avg, "stats": Stats, "hist": Hist, "lhist": LinearHist}

// IsHist reports whether k counts per bucket.
func (k Kind) IsHist() bool { return k == Hist || k == LinearHist }

// Value is one key's aggregate of the values it saw: count, sum, min
// and max, as the kernel keeps it (Add and Merge fold in more).
type Value = collector.AggValue

// Scalar is the number a map of kind k shows for a: the count, sum, min,
// max or average (integer, as bpftrace). Histograms show their count.
func (k Kind) Scalar(a Value) int64 {
	switch k {
	case Sum:
		return a.Sum
	case Min:
		return a.Min
	case Max:
		return a.Max
	case Avg, Stats:
		if a.Count == 0 {
			return 0
		}
		return a.Sum / a.Count
	}
	return a.Count
}

// Linear are a linear histogram's bounds: buckets of Step from Min to Max.
type Linear struct{ Min, Max, Step int64 }

// overflow is the index of the bucket [Max, ...); bucket 0 is (..., Min).
func (l Linear) overflow() uint64 { return uint64((l.Max-l.Min)/l.Step) + 1 }

// Row is one key of a map.
type Row struct {
	// Key is the key's parts, already formatted: escaped for Format (see
	// EscapeKey), as they are for AppendJSON; none for a keyless map.
	Key []string
	// Value is the key's aggregate; Buckets its histogram counts by index.
	Value   Value
	Buckets map[uint64]int64
}

func (r Row) keyText() string {
	if len(r.Key) == 0 {
		return ""
	}
	return "[" + strings.Join(r.Key, ", ") + "]"
}

// EscapeKey makes a key printable on one line: keys come from traced
// programs (a command name, a path), and a newline in one would forge a
// line of the printout. \n, \t and \r keep their C spelling, other
// control bytes become \xNN; everything else is kept as it is, so keys
// without control bytes print as bpftrace prints them.
func EscapeKey(k string) string {
	i := strings.IndexFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if i < 0 {
		return k
	}
	var b strings.Builder
	b.WriteString(k[:i])
	for j := i; j < len(k); j++ {
		switch c := k[j]; {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Sort orders rows by the value shown (ascending, as bpftrace prints:
// the largest last), ties by key.
func Sort(kind Kind, rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := kind.Scalar(rows[i].Value), kind.Scalar(rows[j].Value)
		if a != b {
			return a < b
		}
		return rows[i].keyText() < rows[j].keyText()
	})
}

// Format appends map name's text: rows sorted by Sort, only the top
// largest when top > 0.
func Format(b *strings.Builder, name string, kind Kind, rows []Row, top int, lin Linear) {
	rows = ordered(kind, rows, top)
	for _, r := range rows {
		b.WriteString(name)
		b.WriteString(r.keyText())
		switch kind {
		case Hist, LinearHist:
			b.WriteString(": \n")
			formatBuckets(b, kind, r.Buckets, lin)
			b.WriteString("\n")
		case Stats:
			fmt.Fprintf(b, ": count %d, average %d, total %d\n", r.Value.Count, kind.Scalar(r.Value), r.Value.Sum)
		default:
			fmt.Fprintf(b, ": %d\n", kind.Scalar(r.Value))
		}
	}
	// bpftrace separates averages and stats from what follows with a
	// blank line; counts, sums, minima and maxima get none.
	if len(rows) > 0 && (kind == Avg || kind == Stats) {
		b.WriteString("\n")
	}
}

// ordered is rows as they are printed: sorted by Sort (on a copy), only
// the top largest when top > 0.
func ordered(kind Kind, rows []Row, top int) []Row {
	rows = append([]Row(nil), rows...)
	Sort(kind, rows)
	if top > 0 && len(rows) > top {
		rows = rows[len(rows)-top:]
	}
	return rows
}

const barWidth = 52

// formatBuckets writes the rows from the lowest to the highest non-empty
// bucket, empty ones in between included.
func formatBuckets(b *strings.Builder, kind Kind, buckets map[uint64]int64, lin Linear) {
	lo, hi, ok := span(buckets)
	if !ok {
		return
	}
	var most int64
	for _, n := range buckets {
		most = max(most, n)
	}
	for i := lo; i <= hi; i++ {
		n := buckets[i]
		bar := int(n * barWidth / most)
		fmt.Fprintf(b, "%-16s%8d |%s%s|\n", BucketLabel(kind, i, lin), n, strings.Repeat("@", bar), strings.Repeat(" ", barWidth-bar))
	}
}

// span is the lowest and highest non-empty bucket; ok is false when every
// bucket is empty. bpftrace prints (text and JSON) the buckets in between.
func span(buckets map[uint64]int64) (lo, hi uint64, ok bool) {
	for i, n := range buckets {
		if n == 0 {
			continue
		}
		if !ok || i < lo {
			lo = i
		}
		if !ok || i > hi {
			hi = i
		}
		ok = true
	}
	return lo, hi, ok
}

// BucketLabel names bucket i: "(..., 0)", "[0]", "[1]", "[2, 4)", "[1K, 2K)"
// for log2 histograms; "(..., min)", "[lo, hi)", "[max, ...)" for linear.
func BucketLabel(kind Kind, i uint64, lin Linear) string {
	if kind == LinearHist {
		switch {
		case i == 0:
			return fmt.Sprintf("(..., %d)", lin.Min)
		case i >= lin.overflow():
			return fmt.Sprintf("[%d, ...)", lin.Max)
		}
		lo := lin.Min + int64(i-1)*lin.Step
		return fmt.Sprintf("[%d, %d)", lo, lo+lin.Step)
	}
	switch i {
	case 0:
		return "(..., 0)"
	case 1:
		return "[0]"
	case 2:
		return "[1]"
	}
	lo := uint64(1) << (i - 2)
	return "[" + sized(lo) + ", " + sized(lo*2) + ")"
}

// BucketRange is bucket i's bounds [lo, hi); open ends are reported as
// the extreme int64 values.
func BucketRange(kind Kind, i uint64, lin Linear) (lo, hi int64) {
	if kind == LinearHist {
		switch {
		case i == 0:
			return -1 << 63, lin.Min
		case i >= lin.overflow():
			return lin.Max, 1<<63 - 1
		}
		lo := lin.Min + int64(i-1)*lin.Step
		return lo, lo + lin.Step
	}
	switch i {
	case 0:
		return -1 << 63, 0
	case 1:
		return 0, 1
	}
	if i-2 >= 63 {
		return 1 << 62, 1<<63 - 1
	}
	return 1 << (i - 2), 1 << (i - 1)
}

// sized writes powers of two with K/M/G/T/P/E suffixes as bpftrace does.
func sized(v uint64) string {
	for _, s := range suffixes {
		if v >= 1<<s.shift && v%(1<<s.shift) == 0 {
			return strconv.FormatUint(v>>s.shift, 10) + s.name
		}
	}
	return strconv.FormatUint(v, 10)
}

var suffixes = []struct {
	name  string
	shift uint
}{{"E", 60}, {"P", 50}, {"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}}

// Log2Bucket is the log2 histogram bucket of v, as the collector computes
// it: 0 for negatives, 1 for 0, then 2 + floor(log2 v).
func Log2Bucket(v int64) uint64 {
	if v < 0 {
		return 0
	}
	if v == 0 {
		return 1
	}
	b := uint64(2)
	for u := uint64(v); u > 1; u >>= 1 {
		b++
	}
	return b
}

// LinearBucket is v's linear histogram bucket, as the collector computes it.
func LinearBucket(v int64, lin Linear) uint64 {
	switch {
	case lin.Step <= 0 || v < lin.Min:
		return 0
	case v >= lin.Max:
		return lin.overflow()
	}
	return uint64((v-lin.Min)/lin.Step) + 1
}
