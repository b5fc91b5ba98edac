package stacks

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"strings"
)

// Flame graph geometry, in pixels, as flamegraph.pl draws by default.
const (
	flameWidth    = 1200
	flamePad      = 10
	frameHeight   = 16
	flameFontSize = 12
	flameTop      = 3 * frameHeight // title
	flameBottom   = 2 * frameHeight
	// minFrameWidth: narrower frames are left out, as flamegraph.pl's
	// --minwidth, so a profile of many rare stacks stays light.
	minFrameWidth = 0.1
	// charWidth approximates a character of the font, in font sizes.
	charWidth = 0.59
)

// node is a frame of the merged stacks: one call path.
type node struct {
	name     string
	value    int64
	children map[string]*node
}

func (n *node) child(name string) *node {
	c := n.children[name]
	if c == nil {
		c = &node{name: name, children: map[string]*node{}}
		n.children[name] = c
	}
	return c
}

// sorted returns the children by name, the order flamegraph.pl draws
// them in (so equal paths line up across graphs).
func (n *node) sorted() []*node {
	out := make([]*node, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func merge(samples []Sample) (root *node, depth int) {
	root = &node{name: "all", children: map[string]*node{}}
	for _, s := range samples {
		if s.Value <= 0 {
			continue
		}
		root.value += s.Value
		n := root
		for _, f := range s.Frames {
			n = n.child(f)
			n.value += s.Value
		}
		depth = max(depth, len(s.Frames))
	}
	return root, depth
}

// WriteFlameGraph writes samples as a flame graph in one SVG file with
// nothing to fetch (no script, no fonts): the root at the bottom, each
// frame as wide as its share of the total, callers below callees, and
// the frame's name, value and share in its tooltip, as flamegraph.pl
// draws them.
func WriteFlameGraph(w io.Writer, samples []Sample, opts Options) error {
	root, depth := merge(samples)
	height := flameTop + (depth+1)*frameHeight + flameBottom
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="%d" height="%d" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="100%%" height="100%%" fill="#f8f8f8"/>
<style>text { font-family: Verdana, sans-serif; font-size: %dpx; fill: #000; } rect.f { stroke: #fff; stroke-width: 0.5; }</style>
`, flameWidth, height, flameWidth, height, flameFontSize)
	title := opts.Title
	if title == "" {
		title = "Flame Graph"
	}
	fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle" style="font-size: 17px">%s</text>`+"\n", flameWidth/2, 2*frameHeight, escape(title))
	if root.value > 0 {
		scale := float64(flameWidth-2*flamePad) / float64(root.value)
		d := drawer{w: bw, scale: scale, total: root.value, unit: opts.Unit, bottom: height - flameBottom}
		d.frame(root, 0, 0)
	} else {
		fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle">no samples</text>`+"\n", flameWidth/2, flameTop+frameHeight)
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

type drawer struct {
	w      *bufio.Writer
	scale  float64
	total  int64
	unit   string
	bottom int // y of the root frame's lower edge
}

// frame draws n at depth d starting x value units from the left, then
// its children above it.
func (d *drawer) frame(n *node, depth int, x int64) {
	width := float64(n.value) * d.scale
	if width < minFrameWidth {
		return
	}
	px := flamePad + float64(x)*d.scale
	y := d.bottom - (depth+1)*frameHeight
	unit := d.unit
	if unit == "" {
		unit = "samples"
	}
	name := escape(n.name)
	fmt.Fprintf(d.w, `<g><title>%s (%d %s, %.2f%%)</title><rect class="f" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" rx="2" ry="2"/>`,
		name, n.value, escape(unit), 100*float64(n.value)/float64(d.total), px, y, width, frameHeight-1, frameColor(n.name))
	if label := fitLabel(n.name, width); label != "" {
		fmt.Fprintf(d.w, `<text x="%.1f" y="%d">%s</text>`, px+3, y+frameHeight-4, escape(label))
	}
	fmt.Fprintln(d.w, "</g>")
	for _, c := range n.sorted() {
		d.frame(c, depth+1, x)
		x += c.value
	}
}

// fitLabel cuts name to what fits width pixels, ending in "..", or ""
// when not even a few characters fit.
func fitLabel(name string, width float64) string {
	fit := int((width - 6) / (flameFontSize * charWidth))
	if fit < 3 {
		return ""
	}
	if len(name) <= fit {
		return name
	}
	return name[:fit-2] + ".."
}

// frameColor picks a warm colour from the name's hash, as flamegraph.pl's
// "hot" palette, so a function has the same colour in every graph.
func frameColor(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	v := h.Sum32()
	r := 205 + int(v%50)
	g := int((v >> 8) % 230)
	b := int((v >> 16) % 55)
	return fmt.Sprintf("rgb(%d,%d,%d)", r, g, b)
}

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
