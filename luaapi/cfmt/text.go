package cfmt

// pad pads a converted argument to the field width; the zero flag does
// not apply to text, as in C.
func pad[T string | []byte](s *spec, dst []byte, b T) []byte {
	if !s.minus {
		dst = spaces(dst, s.width-len(b))
	}
	dst = append(dst, b...)
	if s.minus {
		dst = spaces(dst, s.width-len(b))
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// quote writes str in double quotes so any bytes — a binary buffer as well
// as text — read back unambiguously: printable ASCII as is, quote and
// backslash escaped, \n \t \r by name, every other byte as \xNN.
func quote(dst []byte, str string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(str); i++ {
		c := str[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c >= 0x20 && c < 0x7f:
			dst = append(dst, c)
		default:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return append(dst, '"')
}
