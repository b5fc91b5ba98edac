// Package metrics serves luatrace's maps to Prometheus: counts and sums
// as counters or gauges, hist and lhist maps as Prometheus histograms, key
// parts as labels. Values are read when Prometheus scrapes, through a
// Source, so in-kernel maps are read from the kernel at that moment and
// nothing is cached in between.
//
// Histogram buckets keep luatrace's bounds. The values are integers, so a
// bucket [lo, hi) is exactly the Prometheus bucket le="hi-1": a log2
// histogram's buckets become le="0", "1", "3", "7", "15", ... (values
// 0, 1, 2..3, 4..7, 8..15), with le="-1" for negative values when there
// are any; a linear one's become le="min-1", "min+step-1", ...,
// "max-1", its last bucket (values at or above max) falling in +Inf.
package metrics

import (
	"sort"
	"strings"
	"sync"
)

// Source provides metrics when Prometheus scrapes. Collect is called on
// the HTTP server's goroutine, possibly concurrently with itself.
type Source interface {
	Collect() ([]Metric, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func() ([]Metric, error)

// Collect calls f.
func (f SourceFunc) Collect() ([]Metric, error) { return f() }

// Kind is a metric's Prometheus type.
type Kind int

// Metric kinds: a counter only goes up (until the map is cleared, which
// Prometheus reads as a reset); a gauge goes up and down.
const (
	Counter Kind = iota
	Gauge
	Histogram
)

// Metric is one metric family: a map, or a value a script publishes.
type Metric struct {
	// Name is the Prometheus name (see Name for making one).
	Name string
	Help string
	Kind Kind
	// Labels name the key parts that become labels; every sample has one
	// value per name.
	Labels []string
	// Buckets says how the histogram's bucket indices map to values.
	Buckets Buckets
	// Samples are the keys. Samples with the same label values (a key
	// part left out, such as a stack) are added up.
	Samples []Sample
}

// Sample is one key's value.
type Sample struct {
	// LabelValues are the key parts, formatted (see LabelValue), in the
	// order of Metric.Labels.
	LabelValues []string
	// Value is a counter's or gauge's value.
	Value float64
	// Counts are a histogram's counts by luatrace bucket index; Sum is
	// the sum of the values counted.
	Counts map[uint64]uint64
	Sum    float64
}

// Buckets describe a luatrace histogram's bucket indices: log2 (hist)
// unless Linear (lhist), with buckets of Step from Min to Max.
type Buckets struct {
	Linear         bool
	Min, Max, Step int64
}

// Name makes a valid Prometheus metric name from a script's map name:
// prefix_name, with characters Prometheus does not allow replaced by
// underscores.
func Name(prefix, name string) string {
	if prefix != "" {
		name = prefix + "_" + name
	}
	return sanitize(name, true)
}

// LabelName makes a valid label name from a key part's name.
func LabelName(name string) string {
	n := sanitize(name, false)
	if strings.HasPrefix(n, "__") { // reserved for Prometheus itself
		n = "key" + n
	}
	return n
}

func sanitize(s string, colons bool) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' || colons && c == ':'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// LabelValue formats a key part as a label value: text as it is (invalid
// UTF-8 replaced), numbers in decimal.
func LabelValue(v any) string {
	switch x := v.(type) {
	case string:
		return strings.ToValidUTF8(x, "\uFFFD")
	case []byte:
		return strings.ToValidUTF8(string(x), "\uFFFD")
	}
	return strings.ToValidUTF8(formatNumber(v), "\uFFFD")
}

// FoldStack joins a stack's frames, innermost first as luatrace keeps
// them, into one label value in the folded format of flame graphs:
// outermost first, separated by semicolons.
func FoldStack(frames []string) string {
	var b strings.Builder
	for i := len(frames) - 1; i >= 0; i-- {
		b.WriteString(frames[i])
		if i > 0 {
			b.WriteByte(';')
		}
	}
	return LabelValue(b.String())
}

// Published holds values a script publishes (gauges), for scraping. Set
// may be called from the Lua goroutine while Collect runs on the HTTP
// server's.
type Published struct {
	mu      sync.Mutex
	metrics map[string]*published
}

type published struct {
	help   string
	labels []string
	values map[string]Sample // by joined label values
}

// Set publishes value as gauge name with the given labels (nil for
// none). A name keeps the label names it was first set with; a later Set
// with other names returns an error.
func (p *Published) Set(name, help string, labels map[string]string, value float64) error {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	values := make([]string, len(names))
	for i, k := range names {
		values[i] = LabelValue(labels[k])
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.metrics == nil {
		p.metrics = map[string]*published{}
	}
	m := p.metrics[name]
	if m == nil {
		m = &published{help: help, labels: names, values: map[string]Sample{}}
		p.metrics[name] = m
	}
	if strings.Join(m.labels, ",") != strings.Join(names, ",") {
		return &labelMismatchError{name: name, had: m.labels, got: names}
	}
	m.values[strings.Join(values, "\xff")] = Sample{LabelValues: values, Value: value}
	return nil
}

// Delete removes a published metric.
func (p *Published) Delete(name string) {
	p.mu.Lock()
	delete(p.metrics, name)
	p.mu.Unlock()
}

// Collect returns the published gauges, sorted by name and labels.
func (p *Published) Collect() ([]Metric, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Metric, 0, len(p.metrics))
	for name, m := range p.metrics {
		g := Metric{Name: name, Help: m.help, Kind: Gauge, Labels: m.labels}
		for _, s := range m.values {
			g.Samples = append(g.Samples, s)
		}
		sort.Slice(g.Samples, func(i, j int) bool {
			return strings.Join(g.Samples[i].LabelValues, "\xff") < strings.Join(g.Samples[j].LabelValues, "\xff")
		})
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

type labelMismatchError struct {
	name     string
	had, got []string
}

func (e *labelMismatchError) Error() string {
	return "metric " + e.name + " has labels {" + strings.Join(e.had, ", ") + "}, not {" + strings.Join(e.got, ", ") +
		"}; give every value of one metric the same label names"
}
