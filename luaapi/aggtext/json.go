package aggtext

import (
	"strconv"
	"strings"

	"github.com/luatrace/luatrace/luaapi/output"
)

// RecordType is the "type" of a map's JSON record, as bpftrace names it:
// "hist" for histograms, "stats" for averages and stats, "map" for the
// rest.
func (k Kind) RecordType() string {
	switch k {
	case Hist, LinearHist:
		return "hist"
	case Avg, Stats:
		return "stats"
	}
	return "map"
}

// AppendJSON appends the data of map name's JSON record in bpftrace's
// schema and spacing: {"@name": V} with V the value alone for a keyless
// map, else an object of keys (parts joined by ",") to values in the
// order Format prints them. A value is a number; {"count": C, "average":
// A, "total": T} for stats; for histograms a list of buckets {"min": lo,
// "max": hi, "count": n} from the lowest to the highest non-empty one,
// with the unbounded side of the under- and overflow buckets left out.
// Keys are written as they are, escaped by JSON only. A map without rows
// has no record: AppendJSON returns b unchanged.
func AppendJSON(b []byte, name string, kind Kind, rows []Row, top int, lin Linear) []byte {
	if len(rows) == 0 {
		return b
	}
	rows = ordered(kind, rows, top)
	b = append(b, '{')
	b = output.AppendString(b, []byte(name))
	b = append(b, ": "...)
	if len(rows) == 1 && len(rows[0].Key) == 0 {
		b = appendJSONValue(b, kind, rows[0], lin)
		return append(b, '}')
	}
	b = append(b, '{')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = output.AppendString(b, []byte(strings.Join(r.Key, ",")))
		b = append(b, ": "...)
		b = appendJSONValue(b, kind, r, lin)
	}
	return append(b, "}}"...)
}

// appendJSONValue appends one key's value.
func appendJSONValue(b []byte, kind Kind, r Row, lin Linear) []byte {
	switch kind {
	case Hist, LinearHist:
		return appendJSONBuckets(b, kind, r.Buckets, lin)
	case Stats:
		b = append(b, `{"count": `...)
		b = strconv.AppendInt(b, r.Value.Count, 10)
		b = append(b, `, "average": `...)
		b = strconv.AppendInt(b, kind.Scalar(r.Value), 10)
		b = append(b, `, "total": `...)
		b = strconv.AppendInt(b, r.Value.Sum, 10)
		return append(b, '}')
	}
	return strconv.AppendInt(b, kind.Scalar(r.Value), 10)
}

// appendJSONBuckets appends a histogram's buckets as the text shows them,
// empty ones between the lowest and highest non-empty bucket included.
func appendJSONBuckets(b []byte, kind Kind, buckets map[uint64]int64, lin Linear) []byte {
	b = append(b, '[')
	lo, hi, ok := span(buckets)
	for i := lo; ok && i <= hi; i++ {
		if i > lo {
			b = append(b, ", "...)
		}
		from, to := BucketRange(kind, i, lin)
		b = append(b, '{')
		if !isUnderflow(i) {
			b = append(b, `"min": `...)
			b = strconv.AppendInt(b, from, 10)
			b = append(b, ", "...)
		}
		if !isOverflow(kind, i, lin) {
			b = append(b, `"max": `...)
			b = strconv.AppendInt(b, to-1, 10)
			b = append(b, ", "...)
		}
		b = append(b, `"count": `...)
		b = strconv.AppendInt(b, buckets[i], 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// isUnderflow reports whether bucket i is (..., 0) or (..., Min): it has
// no lower bound.
func isUnderflow(i uint64) bool { return i == 0 }

// isOverflow reports whether bucket i is a linear histogram's [Max, ...):
// it has no upper bound. A log2 histogram's last bucket has one.
func isOverflow(kind Kind, i uint64, lin Linear) bool {
	return kind == LinearHist && i >= lin.overflow()
}
