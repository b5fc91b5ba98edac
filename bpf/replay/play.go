package replay

import (
	"github.com/luatrace/luatrace/bpf/collector"
	"github.com/luatrace/luatrace/bpf/recording"
)

// Source is a recording being read: a *recording.Series or a
// *recording.Reader.
type Source interface {
	Next() bool
	Kind() recording.Kind
	Record() collector.Record
	Item() any
	Err() error
}

// Handler receives what Play plays, on Play's goroutine.
type Handler interface {
	// Record handles a record; the timers due up to its timestamp have
	// fired. It returns false to stop the replay.
	Record(rec collector.Record) bool
	// Item handles a metadata item (*recording.Probe, *recording.Drops,
	// ...) in its place among the records; item is nil for kinds this
	// version does not know. It returns false to stop the replay.
	Item(kind recording.Kind, item any) bool
}

// Played counts what Play delivered.
type Played struct {
	// Records and Items were handed to the Handler; Invalid are records
	// that failed collector.Record.Check and were skipped.
	Records, Items, Invalid uint64
	// Last is the last record's timestamp.
	Last uint64
}

// Play feeds src to h in recorded order, advancing clock to each record's
// timestamp before handing it over. It returns when src ends, h says
// stop or the clock is halted. Ticks after the last record do not fire
// here: advance the clock to the recording's end (its End item's time,
// or Played.Last for a recording cut short) to fire them.
func Play(src Source, clock *Clock, h Handler) (Played, error) {
	var p Played
	for !clock.stopped && src.Next() {
		if src.Kind() != recording.KindEvents {
			p.Items++
			if !h.Item(src.Kind(), src.Item()) {
				return p, nil
			}
			continue
		}
		rec := src.Record()
		if rec.Check() != nil {
			p.Invalid++
			continue
		}
		ts := rec.Timestamp()
		clock.Advance(ts)
		if clock.stopped {
			break
		}
		p.Records++
		p.Last = ts
		if !h.Record(rec) {
			return p, nil
		}
	}
	return p, src.Err()
}
