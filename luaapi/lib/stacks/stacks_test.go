package stacks

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

var testSamples = []Sample{
	{Frames: []string{"app", "main", "work", "cmp"}, Value: 30},
	{Frames: []string{"app", "main", "work"}, Value: 10},
	{Frames: []string{"app", "main", "a<b>&\"c\""}, Value: 5},
}

// TestPprofRoundTrip: the pprof library reads back every sample with its
// frames innermost first, its value, and the value's type.
func TestPprofRoundTrip(t *testing.T) {
	var b bytes.Buffer
	opts := Options{Type: "samples", Unit: "count", Period: 10101010, PeriodType: "cpu", PeriodUnit: "nanoseconds"}
	if err := WritePprof(&b, testSamples, opts); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if p.SampleType[0].Type != "samples" || p.SampleType[0].Unit != "count" || p.Period != 10101010 || p.PeriodType.Unit != "nanoseconds" {
		t.Errorf("types %v period %d %v", p.SampleType[0], p.Period, p.PeriodType)
	}
	if len(p.Sample) != len(testSamples) {
		t.Fatalf("%d samples, want %d", len(p.Sample), len(testSamples))
	}
	for i, s := range p.Sample {
		var names []string
		for _, l := range s.Location {
			names = append([]string{l.Line[0].Function.Name}, names...)
		}
		if got, want := strings.Join(names, ";"), strings.Join(testSamples[i].Frames, ";"); got != want || s.Value[0] != testSamples[i].Value {
			t.Errorf("sample %d: %s %d, want %s %d", i, got, s.Value[0], want, testSamples[i].Value)
		}
	}
	// One function per distinct name, however many stacks share it.
	if len(p.Function) != 5 {
		t.Errorf("%d functions, want 5", len(p.Function))
	}
}

// TestFlameGraph: the SVG is well-formed, names are escaped, and a frame
// is as wide as its share of the total.
func TestFlameGraph(t *testing.T) {
	tests := []struct {
		name    string
		samples []Sample
		frames  map[string]int64 // tooltip name -> value
	}{
		{"stacks", testSamples, map[string]int64{"all": 45, "app": 45, "main": 45, "work": 40, "cmp": 30, `a<b>&"c"`: 5}},
		{"empty", nil, map[string]int64{}},
		{"zero values left out", []Sample{{Frames: []string{"x"}, Value: 0}, {Frames: []string{"y"}, Value: 2}}, map[string]int64{"all": 2, "y": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteFlameGraph(&b, tc.samples, Options{Unit: "count", Title: "t & t"}); err != nil {
				t.Fatal(err)
			}
			got := flameFrames(t, b.Bytes())
			if len(got) != len(tc.frames) {
				t.Errorf("frames %v, want %v", got, tc.frames)
			}
			for name, v := range tc.frames {
				f, ok := got[name]
				if !ok || f.value != v {
					t.Errorf("frame %q: %+v, want value %d", name, f, v)
					continue
				}
				// All spans the width between the pads.
				want := float64(v) / float64(tc.frames["all"]) * (flameWidth - 2*flamePad)
				if d := f.width - want; d > 0.1 || d < -0.1 {
					t.Errorf("frame %q is %.1f px wide, want %.1f", name, f.width, want)
				}
			}
		})
	}
}

type flameFrame struct {
	value int64
	width float64
}

// flameFrames decodes the SVG (failing on malformed XML) into its frames
// by tooltip: "name (value unit, share%)" and the rect's width.
func flameFrames(t *testing.T, svg []byte) map[string]flameFrame {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	frames := map[string]flameFrame{}
	var title string
	inTitle := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatalf("malformed SVG: %v\n%s", err, svg)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			inTitle = x.Name.Local == "title"
			if x.Name.Local == "rect" && title != "" {
				name, rest, _ := strings.Cut(title, " (")
				v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
				f := flameFrame{value: v}
				for _, a := range x.Attr {
					if a.Name.Local == "width" {
						f.width, _ = strconv.ParseFloat(a.Value, 64)
					}
				}
				frames[name] = f
				title = ""
			}
		case xml.CharData:
			if inTitle {
				title = string(x)
			}
		case xml.EndElement:
			inTitle = false
		}
	}
}

func TestFitLabel(t *testing.T) {
	tests := []struct {
		name  string
		width float64
		want  string
	}{
		{"cmp", 100, "cmp"},
		{"msort_with_tmp.part.0", 60, "msort.."},
		{"cmp", 10, ""},
	}
	for _, tc := range tests {
		if got := fitLabel(tc.name, tc.width); got != tc.want {
			t.Errorf("fitLabel(%q, %v) = %q, want %q", tc.name, tc.width, got, tc.want)
		}
	}
}
