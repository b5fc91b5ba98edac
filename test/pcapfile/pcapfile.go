// Package pcapfile reads back the capture files luatrace's pcap module
// writes (libpcap with nanosecond timestamps, and pcapng), strictly, so
// tests can check every field.
package pcapfile

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// File is a parsed capture file.
type File struct {
	LinkType uint32
	SnapLen  uint32
	Packets  []Packet
}

// Packet is one record; Sec/Nsec are its wall-clock time.
type Packet struct {
	Sec, Nsec uint64
	OrigLen   uint32
	Data      []byte
}

var le = binary.LittleEndian

// Parse reads a pcap (magic a1b23c4d, nanoseconds) or pcapng file.
func Parse(b []byte) (*File, error) {
	if len(b) < 4 {
		return nil, errors.New("file shorter than a magic number")
	}
	switch le.Uint32(b) {
	case 0xa1b23c4d:
		return parsePcap(b)
	case 0x0A0D0D0A:
		return parsePcapng(b)
	}
	return nil, fmt.Errorf("unknown magic %#x", le.Uint32(b))
}

func parsePcap(b []byte) (*File, error) {
	if len(b) < 24 {
		return nil, errors.New("truncated file header")
	}
	if le.Uint16(b[4:]) != 2 || le.Uint16(b[6:]) != 4 {
		return nil, fmt.Errorf("version %d.%d, want 2.4", le.Uint16(b[4:]), le.Uint16(b[6:]))
	}
	f := &File{SnapLen: le.Uint32(b[16:]), LinkType: le.Uint32(b[20:])}
	for b = b[24:]; len(b) > 0; {
		if len(b) < 16 {
			return nil, errors.New("truncated record header")
		}
		incl := le.Uint32(b[8:])
		p := Packet{Sec: uint64(le.Uint32(b)), Nsec: uint64(le.Uint32(b[4:])), OrigLen: le.Uint32(b[12:])}
		if p.Nsec >= 1e9 || incl > f.SnapLen || incl > p.OrigLen || len(b) < 16+int(incl) {
			return nil, fmt.Errorf("bad record: nsec %d, incl %d, orig %d, snaplen %d, %d bytes left", p.Nsec, incl, p.OrigLen, f.SnapLen, len(b)-16)
		}
		p.Data = b[16 : 16+incl]
		f.Packets = append(f.Packets, p)
		b = b[16+incl:]
	}
	return f, nil
}

func parsePcapng(b []byte) (*File, error) {
	f := &File{}
	sawIDB := false
	for len(b) > 0 {
		if len(b) < 12 {
			return nil, errors.New("truncated block")
		}
		btype, blen := le.Uint32(b), le.Uint32(b[4:])
		if blen%4 != 0 || blen < 12 || int(blen) > len(b) || le.Uint32(b[blen-4:]) != blen {
			return nil, fmt.Errorf("block %#x: bad length %d", btype, blen)
		}
		body := b[8 : blen-4]
		switch btype {
		case 0x0A0D0D0A:
			if le.Uint32(body) != 0x1A2B3C4D {
				return nil, errors.New("section header: bad byte-order magic")
			}
		case 1:
			f.LinkType, f.SnapLen = uint32(le.Uint16(body)), le.Uint32(body[4:])
			if !hasNanosecondResolution(body[8:]) {
				return nil, errors.New("interface block lacks if_tsresol=9")
			}
			sawIDB = true
		case 6:
			if !sawIDB {
				return nil, errors.New("packet before any interface block")
			}
			ts := uint64(le.Uint32(body[4:]))<<32 | uint64(le.Uint32(body[8:]))
			incl := le.Uint32(body[12:])
			p := Packet{Sec: ts / 1e9, Nsec: ts % 1e9, OrigLen: le.Uint32(body[16:])}
			if incl > p.OrigLen || 20+int(incl) > len(body) {
				return nil, fmt.Errorf("bad packet block: incl %d, orig %d", incl, p.OrigLen)
			}
			p.Data = body[20 : 20+incl]
			f.Packets = append(f.Packets, p)
		}
		b = b[blen:]
	}
	return f, nil
}

func hasNanosecondResolution(opts []byte) bool {
	for len(opts) >= 4 {
		code, n := le.Uint16(opts), int(le.Uint16(opts[2:]))
		if code == 0 || 4+n > len(opts) {
			return false
		}
		if code == 9 && n == 1 && opts[4] == 9 {
			return true
		}
		opts = opts[4+(n+3)/4*4:]
	}
	return false
}
