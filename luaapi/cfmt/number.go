package cfmt

import (
	"math"
	"strconv"
)

// integer formats u according to the verb: %d/%i read it as signed.
func (s *spec) integer(dst []byte, u uint64) []byte {
	var buf [72]byte
	digits := buf[:0]
	var sign, prefix string
	switch s.verb {
	case 'd', 'i':
		i := int64(u)
		if i < 0 {
			sign = "-"
			u = uint64(-i) // MinInt64 stays its own magnitude as uint64
		} else if s.plus {
			sign = "+"
		} else if s.space {
			sign = " "
		}
		digits = strconv.AppendUint(digits, u, 10)
	case 'u':
		digits = strconv.AppendUint(digits, u, 10)
	case 'x', 'X':
		digits = strconv.AppendUint(digits, u, 16)
		if s.alt && u != 0 {
			prefix = "0x"
		}
		if s.verb == 'X' {
			for i, c := range digits {
				if c >= 'a' {
					digits[i] = c - 'a' + 'A'
				}
			}
			if prefix != "" {
				prefix = "0X"
			}
		}
	case 'o':
		digits = strconv.AppendUint(digits, u, 8)
	case 'p':
		digits = strconv.AppendUint(digits, u, 16)
		prefix = "0x"
	}
	// C: precision is the minimum digit count, and .0 prints 0 as nothing.
	if s.prec == 0 && u == 0 && s.verb != 'p' {
		digits = digits[:0]
	}
	// C's # on %o raises the precision just enough to lead with a zero.
	if s.verb == 'o' && s.alt && s.prec <= len(digits) && (len(digits) == 0 || digits[0] != '0') {
		prefix = "0"
	}
	zeros := 0
	if s.prec > len(digits) {
		zeros = s.prec - len(digits)
	} else if s.zero && !s.minus && s.prec < 0 {
		zeros = max(0, s.width-len(sign)-len(prefix)-len(digits))
	}
	return s.assemble(dst, sign, prefix, zeros, digits)
}

// assemble writes sign, prefix, zero padding and body, padded with spaces
// to the field width on the side the - flag chooses.
func (s *spec) assemble(dst []byte, sign, prefix string, zeros int, body []byte) []byte {
	total := len(sign) + len(prefix) + zeros + len(body)
	if !s.minus {
		dst = spaces(dst, s.width-total)
	}
	dst = append(dst, sign...)
	dst = append(dst, prefix...)
	for range zeros {
		dst = append(dst, '0')
	}
	dst = append(dst, body...)
	if s.minus {
		dst = spaces(dst, s.width-total)
	}
	return dst
}

// float formats f like C's %f %e %g family.
func (s *spec) float(dst []byte, f float64) []byte {
	var buf [64]byte
	body := buf[:0]
	sign := ""
	if math.Signbit(f) && !math.IsNaN(f) {
		sign, f = "-", -f
	} else if s.plus {
		sign = "+"
	} else if s.space {
		sign = " "
	}
	upper := s.verb == 'F' || s.verb == 'E' || s.verb == 'G'
	finite := !math.IsInf(f, 0) && !math.IsNaN(f)
	switch {
	case math.IsInf(f, 0):
		body = append(body, "inf"...)
	case math.IsNaN(f):
		body = append(body, "nan"...)
	default:
		prec := s.prec
		if prec < 0 {
			prec = 6
		}
		switch s.verb {
		case 'f', 'F':
			body = strconv.AppendFloat(body, f, 'f', prec, 64)
		case 'e', 'E':
			body = strconv.AppendFloat(body, f, 'e', prec, 64)
		case 'g', 'G':
			body = gformat(body, f, max(prec, 1), s.alt)
		}
		if s.alt && prec == 0 && s.verb != 'g' && s.verb != 'G' {
			body = alternateDot(body)
		}
	}
	if upper {
		for i, c := range body {
			if c >= 'a' && c <= 'z' {
				body[i] = c - 'a' + 'A'
			}
		}
	}
	zeros := 0
	if s.zero && !s.minus && finite {
		zeros = max(0, s.width-len(sign)-len(body))
	}
	return s.assemble(dst, sign, "", zeros, body)
}

// gformat is C's %g: %e when the exponent is < -4 or >= precision, else
// %f, with trailing zeros removed unless # was given.
func gformat(dst []byte, f float64, prec int, alt bool) []byte {
	exp := 0
	if f != 0 {
		// The exponent after rounding to prec significant digits.
		e := strconv.AppendFloat(nil, f, 'e', prec-1, 64)
		for i := len(e) - 1; i >= 0; i-- {
			if e[i] == 'e' {
				exp, _ = strconv.Atoi(string(e[i+1:]))
				break
			}
		}
	}
	start := len(dst)
	var mantissaEnd int
	if exp < -4 || exp >= prec {
		dst = strconv.AppendFloat(dst, f, 'e', prec-1, 64)
		for mantissaEnd = start; dst[mantissaEnd] != 'e'; mantissaEnd++ {
		}
	} else {
		dst = strconv.AppendFloat(dst, f, 'f', prec-1-exp, 64)
		mantissaEnd = len(dst)
	}
	if alt {
		// # keeps the decimal point even when no digit follows it.
		for _, c := range dst[start:mantissaEnd] {
			if c == '.' {
				return dst
			}
		}
		return alternateDot(dst)
	}
	// Trim zeros (and a bare dot) at the end of the mantissa.
	m := dst[start:mantissaEnd]
	hasDot := false
	for _, c := range m {
		hasDot = hasDot || c == '.'
	}
	if !hasDot {
		return dst
	}
	cut := mantissaEnd
	for cut > start && dst[cut-1] == '0' {
		cut--
	}
	if dst[cut-1] == '.' {
		cut--
	}
	return append(dst[:cut], dst[mantissaEnd:]...)
}

// alternateDot inserts the decimal point C's # flag keeps at precision 0.
func alternateDot(b []byte) []byte {
	for i, c := range b {
		if c == 'e' {
			b = append(b[:i+1], b[i:]...)
			b[i] = '.'
			return b
		}
	}
	return append(b, '.')
}

func spaces(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}
