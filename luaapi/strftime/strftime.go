// Package strftime formats times with C strftime(3) conversions, plus %f
// (microseconds, 6 digits) as bpftrace's strftime() has.
package strftime

import (
	"fmt"
	"strings"
	"time"
)

// Format lays t out as C's strftime does for the conversions it lists:
// %a %A %b %B %c %C %d %D %e %f %F %g %G %h %H %I %j %k %l %m %M %n %N %p
// %r %R %s %S %t %T %u %V %w %y %Y %z %Z %%. %N is nanoseconds (9 digits).
// An unknown conversion is an error naming it, not silently copied.
func Format(layout string, t time.Time) (string, error) {
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(layout) {
			return "", fmt.Errorf("strftime format %q ends with a lone %%; write %%%% for a percent sign", layout)
		}
		s, ok := conversion(layout[i], t)
		if !ok {
			return "", fmt.Errorf("strftime format %q: unknown conversion %%%c", layout, layout[i])
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func conversion(c byte, t time.Time) (string, bool) {
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	isoYear, isoWeek := t.ISOWeek()
	switch c {
	case 'a':
		return t.Format("Mon"), true
	case 'A':
		return t.Format("Monday"), true
	case 'b', 'h':
		return t.Format("Jan"), true
	case 'B':
		return t.Format("January"), true
	case 'c':
		return t.Format("Mon Jan _2 15:04:05 2006"), true
	case 'C':
		return fmt.Sprintf("%02d", t.Year()/100), true
	case 'd':
		return fmt.Sprintf("%02d", t.Day()), true
	case 'D':
		return t.Format("01/02/06"), true
	case 'e':
		return fmt.Sprintf("%2d", t.Day()), true
	case 'f':
		return fmt.Sprintf("%06d", t.Nanosecond()/1000), true
	case 'F':
		return t.Format("2006-01-02"), true
	case 'g':
		return fmt.Sprintf("%02d", isoYear%100), true
	case 'G':
		return fmt.Sprint(isoYear), true
	case 'H':
		return fmt.Sprintf("%02d", t.Hour()), true
	case 'I':
		return fmt.Sprintf("%02d", hour12), true
	case 'j':
		return fmt.Sprintf("%03d", t.YearDay()), true
	case 'k':
		return fmt.Sprintf("%2d", t.Hour()), true
	case 'l':
		return fmt.Sprintf("%2d", hour12), true
	case 'm':
		return fmt.Sprintf("%02d", int(t.Month())), true
	case 'M':
		return fmt.Sprintf("%02d", t.Minute()), true
	case 'n':
		return "\n", true
	case 'N':
		return fmt.Sprintf("%09d", t.Nanosecond()), true
	case 'p':
		return t.Format("PM"), true
	case 'r':
		return t.Format("03:04:05 PM"), true
	case 'R':
		return t.Format("15:04"), true
	case 's':
		return fmt.Sprint(t.Unix()), true
	case 'S':
		return fmt.Sprintf("%02d", t.Second()), true
	case 't':
		return "\t", true
	case 'T':
		return t.Format("15:04:05"), true
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return fmt.Sprint(wd), true
	case 'V':
		return fmt.Sprintf("%02d", isoWeek), true
	case 'w':
		return fmt.Sprint(int(t.Weekday())), true
	case 'y':
		return fmt.Sprintf("%02d", t.Year()%100), true
	case 'Y':
		return fmt.Sprint(t.Year()), true
	case 'z':
		return t.Format("-0700"), true
	case 'Z':
		return t.Format("MST"), true
	case '%':
		return "%", true
	}
	return "", false
}
