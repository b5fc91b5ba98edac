package replay

import (
	"reflect"
	"strconv"
	"testing"
	"time"
)

const ms = uint64(time.Millisecond)

// TestClock: ticks fire at recorded moments, in order, before a record
// at the same nanosecond; time never runs backwards.
func TestClock(t *testing.T) {
	type step struct {
		advance uint64
		want    []string // ticks fired, "name@ms"
	}
	tests := []struct {
		name  string
		setup func(c *Clock, log func(string) func(uint64))
		steps []step
	}{
		{
			name:  "interval between records",
			setup: func(c *Clock, log func(string) func(uint64)) { c.Every(10*time.Millisecond, log("i")) },
			steps: []step{{5 * ms, nil}, {25 * ms, []string{"i@10", "i@20"}}, {29 * ms, nil}, {30 * ms, []string{"i@30"}}},
		},
		{
			name:  "out of order timestamp",
			setup: func(c *Clock, log func(string) func(uint64)) { c.Every(10*time.Millisecond, log("i")) },
			steps: []step{{15 * ms, []string{"i@10"}}, {12 * ms, nil}, {20 * ms, []string{"i@20"}}},
		},
		{
			name: "two timers interleave, ties by creation",
			setup: func(c *Clock, log func(string) func(uint64)) {
				c.Every(20*time.Millisecond, log("b"))
				c.Every(10*time.Millisecond, log("a"))
			},
			steps: []step{{40 * ms, []string{"a@10", "b@20", "a@20", "a@30", "b@40", "a@40"}}},
		},
		{
			name:  "one shot",
			setup: func(c *Clock, log func(string) func(uint64)) { c.After(15*time.Millisecond, log("o")) },
			steps: []step{{10 * ms, nil}, {100 * ms, []string{"o@15"}}, {200 * ms, nil}},
		},
		{
			name: "stop",
			setup: func(c *Clock, log func(string) func(uint64)) {
				var tm *Timer
				tm = c.Every(10*time.Millisecond, func(at uint64) {
					log("s")(at)
					if at >= 20*ms {
						c.Stop(tm)
					}
				})
			},
			steps: []step{{100 * ms, []string{"s@10", "s@20"}}},
		},
		{
			name: "halt",
			setup: func(c *Clock, log func(string) func(uint64)) {
				c.Every(10*time.Millisecond, func(at uint64) {
					log("h")(at)
					if at == 30*ms {
						c.Halt()
					}
				})
			},
			steps: []step{{100 * ms, []string{"h@10", "h@20", "h@30"}}, {200 * ms, nil}},
		},
		{
			name: "timer added by a tick",
			setup: func(c *Clock, log func(string) func(uint64)) {
				c.After(10*time.Millisecond, func(at uint64) {
					log("first")(at)
					c.After(5*time.Millisecond, log("second"))
				})
			},
			steps: []step{{12 * ms, []string{"first@10"}}, {15 * ms, []string{"second@15"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock(0)
			var fired []string
			log := func(name string) func(uint64) {
				return func(at uint64) {
					if at != c.Now() {
						t.Errorf("%s fired at %d while Now is %d", name, at, c.Now())
					}
					fired = append(fired, name+"@"+strconv.FormatUint(at/ms, 10))
				}
			}
			tc.setup(c, log)
			var last uint64
			for _, s := range tc.steps {
				fired = nil
				c.Advance(s.advance)
				if !reflect.DeepEqual(fired, s.want) {
					t.Errorf("advance to %d ms fired %v, want %v", s.advance/ms, fired, s.want)
				}
				if c.Now() < last {
					t.Errorf("clock ran backwards from %d to %d", last, c.Now())
				}
				last = c.Now()
			}
		})
	}
}
