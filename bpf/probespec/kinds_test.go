package probespec

import "testing"

// TestKinds checks the table every part of luatrace reads: one entry per
// kind in Kind order, names unique, examples that parse to their kind,
// and what attaching needs of each kind.
func TestKinds(t *testing.T) {
	seen := map[string]Kind{}
	for i, info := range Kinds {
		t.Run(info.Name, func(t *testing.T) {
			if info.Kind != Kind(i+1) || info.Kind.Info() != info {
				t.Errorf("entry %d describes kind %d", i, info.Kind)
			}
			for _, name := range append([]string{info.Name}, info.Aliases...) {
				if other, dup := seen[name]; dup {
					t.Errorf("%q names both %s and %s", name, other, info.Kind)
				}
				seen[name] = info.Kind
			}
			for _, ex := range info.Examples {
				if s, err := Parse(ex); err != nil || s.Kind != info.Kind {
					t.Errorf("example %q: %v, %v", ex, s.Kind, err)
				}
			}
			if len(info.Stems) == 0 {
				t.Error("no completion stems")
			}
			if (info.Site != InLuatrace) != (info.Program != "") {
				t.Errorf("site %d with entry program %q", info.Site, info.Program)
			}
			if e := info.Entry.Info(); info.Entry != 0 && (!info.Returns || e == nil || e.Returns || e.Site != info.Site) {
				t.Errorf("entry kind %s does not pair with %s", info.Entry, info.Kind)
			}
		})
	}
	if n := len(Kinds); n != int(End) {
		t.Errorf("%d kinds described, %d declared", n, End)
	}
}
