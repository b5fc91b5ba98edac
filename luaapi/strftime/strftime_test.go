package strftime

import (
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	// 2024-03-05 (a Tuesday) 07:08:09.123456789 UTC; ISO week 10.
	at := time.Date(2024, 3, 5, 7, 8, 9, 123456789, time.UTC)
	tests := []struct{ layout, want string }{
		{"%Y-%m-%d %H:%M:%S", "2024-03-05 07:08:09"},
		{"%H:%M:%S.%f", "07:08:09.123456"},
		{"%s.%N", "1709622489.123456789"},
		{"%a %A %b %B %e|%k|%l|%I %p", "Tue Tuesday Mar March  5| 7| 7|07 AM"},
		{"%j %u %w %V %G %g %C %y", "065 2 2 10 2024 24 20 24"},
		{"%D %F %R %T %r", "03/05/24 2024-03-05 07:08 07:08:09 07:08:09 AM"},
		{"%c", "Tue Mar  5 07:08:09 2024"},
		{"%z %Z", "+0000 UTC"},
		{"100%% %n%t", "100% \n\t"},
		{"no conversions", "no conversions"},
	}
	for _, tc := range tests {
		got, err := Format(tc.layout, at)
		if err != nil || got != tc.want {
			t.Errorf("Format(%q) = %q, %v; want %q", tc.layout, got, err, tc.want)
		}
	}
	for layout, want := range map[string]string{"%Q": "unknown conversion %Q", "50%": "lone %"} {
		if _, err := Format(layout, at); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Format(%q) error %v, want %q", layout, err, want)
		}
	}
}
