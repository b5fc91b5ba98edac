package metrics

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector turns Sources into Prometheus metrics on each scrape. It is
// an unchecked collector: the metrics a script's maps hold are known only
// when they are read.
type Collector struct {
	sources []Source
}

// NewCollector collects from sources, in order.
func NewCollector(sources ...Source) *Collector { return &Collector{sources: sources} }

// Describe sends nothing: the collector is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// errorDesc names a source that failed to read, in the scrape's errors.
var errorDesc = prometheus.NewDesc("luatrace_metrics_source_error", "A metrics source failed to read.", nil, nil)

// Collect reads every source and sends its metrics; a source or a metric
// that fails is reported as an error of the scrape, and the others are
// still sent.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.sources {
		ms, err := s.Collect()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(errorDesc, err)
			continue
		}
		for _, m := range ms {
			collectMetric(ch, m)
		}
	}
}

func collectMetric(ch chan<- prometheus.Metric, m Metric) {
	desc := prometheus.NewDesc(m.Name, m.Help, m.Labels, nil)
	if m.Kind == Histogram {
		bounds := histogramBounds(m)
		for _, s := range mergeSamples(m) {
			count, cumulative := cumulate(m.Buckets, bounds, s.Counts)
			pm, err := prometheus.NewConstHistogram(desc, count, s.Sum, cumulative, s.LabelValues...)
			send(ch, desc, pm, err)
		}
		return
	}
	vt := prometheus.CounterValue
	if m.Kind == Gauge {
		vt = prometheus.GaugeValue
	}
	for _, s := range mergeSamples(m) {
		pm, err := prometheus.NewConstMetric(desc, vt, s.Value, s.LabelValues...)
		send(ch, desc, pm, err)
	}
}

func send(ch chan<- prometheus.Metric, desc *prometheus.Desc, m prometheus.Metric, err error) {
	if err != nil {
		m = prometheus.NewInvalidMetric(desc, err)
	}
	ch <- m
}

// mergeSamples adds up samples with the same label values.
func mergeSamples(m Metric) []Sample {
	at := make(map[string]int, len(m.Samples))
	out := make([]Sample, 0, len(m.Samples))
	for _, s := range m.Samples {
		key := strings.Join(s.LabelValues, "\xff")
		i, seen := at[key]
		if !seen {
			at[key] = len(out)
			c := s
			if s.Counts != nil {
				c.Counts = make(map[uint64]uint64, len(s.Counts))
				for b, n := range s.Counts {
					c.Counts[b] = n
				}
			}
			out = append(out, c)
			continue
		}
		o := &out[i]
		o.Value += s.Value
		o.Sum += s.Sum
		for b, n := range s.Counts {
			if o.Counts == nil {
				o.Counts = map[uint64]uint64{}
			}
			o.Counts[b] += n
		}
	}
	return out
}

// histogramBounds are the bucket indices a histogram shows, the same for
// all its samples so that they can be summed across keys: every linear
// bucket; log2 buckets from 0 (or the negatives' bucket, if used) up to
// the highest used by any sample.
func histogramBounds(m Metric) []uint64 {
	if m.Buckets.Linear {
		b := m.Buckets
		if b.Step <= 0 || b.Max <= b.Min {
			return nil
		}
		last := uint64((b.Max-b.Min)/b.Step) + 1 // the bucket at and above Max: +Inf
		idx := make([]uint64, 0, last)
		for i := uint64(0); i < last; i++ {
			idx = append(idx, i)
		}
		return idx
	}
	lo, hi := uint64(1), uint64(1)
	for _, s := range m.Samples {
		for b, n := range s.Counts {
			if n == 0 {
				continue
			}
			lo, hi = min(lo, b), max(hi, b)
		}
	}
	idx := make([]uint64, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		idx = append(idx, i)
	}
	return idx
}

// upperBound is the largest value bucket i holds: its le.
func upperBound(b Buckets, i uint64) float64 {
	if b.Linear {
		if i == 0 {
			return float64(b.Min) - 1
		}
		return float64(b.Min+int64(i)*b.Step) - 1
	}
	switch {
	case i == 0:
		return -1
	case i == 1:
		return 0
	case i >= 65:
		return math.MaxInt64
	}
	return math.Ldexp(1, int(i-1)) - 1 // 2^(i-1) - 1
}

// cumulate turns counts per bucket index into Prometheus's cumulative
// counts per upper bound; buckets beyond the shown ones count in +Inf
// only (the total).
func cumulate(b Buckets, bounds []uint64, counts map[uint64]uint64) (total uint64, out map[float64]uint64) {
	idx := make([]uint64, 0, len(counts))
	for i, n := range counts {
		total += n
		idx = append(idx, i)
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
	out = make(map[float64]uint64, len(bounds))
	var run uint64
	k := 0
	for _, i := range bounds {
		for k < len(idx) && idx[k] <= i {
			run += counts[idx[k]]
			k++
		}
		out[upperBound(b, i)] = run
	}
	return total, out
}

func formatNumber(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
