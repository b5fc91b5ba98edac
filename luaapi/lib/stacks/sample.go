package stacks

// Sample is one counted stack: its frames outermost first (what folded
// stacks list between semicolons) and its value.
type Sample struct {
	Frames []string
	Value  int64
}

// Options describe what the values count.
type Options struct {
	// Type and Unit name the value in pprof's terms: "samples"/"count",
	// "offcpu"/"microseconds", ...
	Type, Unit string
	// Period is the sampling period, in PeriodUnit, when the values are
	// samples taken at a fixed rate (0 otherwise).
	Period     int64
	PeriodType string
	PeriodUnit string
	// Title heads a flame graph.
	Title string
}
