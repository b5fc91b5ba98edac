package collector

import (
	"bytes"
	"testing"
)

// TestReaderReusesDroppedBatches: the memory of a batch the consumer did
// not keep is reused for the next one, and the batches it kept are never
// overwritten, so a consumer that drops most of a flood pins no more than
// it keeps.
func TestReaderReusesDroppedBatches(t *testing.T) {
	c := loadForTest(t)
	fillGetppid(t, c, Spec{Emit: true, TracepointData: 16}, 5000)
	var (
		kept    [][]Record
		copies  [][]byte
		n       int
		dropped *byte // where the last dropped batch began
		reused  int
	)
	readAll(t, c, func(b []Record) bool {
		if dropped != nil && &b[0][0] == dropped {
			reused++
		}
		dropped = nil
		if n++; n%2 == 0 {
			dropped = &b[0][0]
			return false
		}
		kept = append(kept, b)
		var cp []byte
		for _, r := range b {
			cp = append(cp, r...)
		}
		copies = append(copies, cp)
		return true
	})
	if n < 4 {
		t.Fatalf("%d batches; the test needs several", n)
	}
	for i, b := range kept {
		var now []byte
		for _, r := range b {
			if err := r.Check(); err != nil {
				t.Fatalf("kept batch %d: %v", i, err)
			}
			now = append(now, r...)
		}
		if !bytes.Equal(now, copies[i]) {
			t.Fatalf("kept batch %d was overwritten after delivery", i)
		}
	}
	if reused == 0 {
		t.Errorf("no dropped batch's memory was reused in %d batches", n)
	}
}
