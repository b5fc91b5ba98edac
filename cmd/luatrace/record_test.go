package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitRecordArgs(t *testing.T) {
	tests := []struct {
		in   string
		path string
		size int64
		age  time.Duration
		keep int
		rest string
		bad  string
	}{
		{in: "-o f.ltrec opensnoop -T", path: "f.ltrec", rest: "opensnoop -T"},
		{in: "-v -o f --max-size 10M -c cmd x.lua a -o b", path: "f", size: 10 << 20, rest: "-v -c cmd x.lua a -o b"},
		{in: "--max-age=5m --max-files 3 -o=f -e code", path: "f", age: 5 * time.Minute, keep: 3, rest: "-e code"},
		{in: "-p 42 --max-size 512 -o f s.lua", path: "f", size: 512, rest: "-p 42 s.lua"},
		{in: "opensnoop", bad: "needs -o FILE"},
		{in: "-o", bad: "needs a value"},
		{in: "-o f --max-size lots x", bad: "a size such as 100M"},
		{in: "-o f --max-age -1s x", bad: "a duration"},
		{in: "-o f --max-files 0 x", bad: "a number of files"},
	}
	for _, tc := range tests {
		rc, rest, err := splitRecordArgs(strings.Fields(tc.in))
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: %v, want an error containing %q", tc.in, err, tc.bad)
			}
			continue
		}
		if err != nil || rc.path != tc.path || rc.opts.MaxSize != tc.size || rc.opts.MaxAge != tc.age || rc.opts.MaxFiles != tc.keep || !reflect.DeepEqual(rest, strings.Fields(tc.rest)) {
			t.Errorf("%q: %+v, %q, %v; want path %q size %d age %v files %d, rest %q", tc.in, rc, rest, err, tc.path, tc.size, tc.age, tc.keep, tc.rest)
		}
	}
}
