package recording

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

var le = binary.LittleEndian

// appendFileHeader appends the 16 bytes that open a file.
func appendFileHeader(b []byte) []byte {
	b = append(b, Magic...)
	b = le.AppendUint16(b, VersionMajor)
	b = le.AppendUint16(b, VersionMinor)
	return le.AppendUint32(b, 0)
}

// checkFileHeader validates a file's first 16 bytes.
func checkFileHeader(b []byte) error {
	if len(b) < fileHeaderSize || string(b[:len(Magic)]) != Magic {
		return errors.New("not a luatrace recording (bad magic)")
	}
	if major := le.Uint16(b[8:]); major != VersionMajor {
		return fmt.Errorf("recording format version %d.%d is not supported (this luatrace reads %d.x)", major, le.Uint16(b[10:]), VersionMajor)
	}
	return nil
}

// frameEncoder compresses blocks into frames.
type frameEncoder struct {
	zw  *zstd.Encoder
	out []byte
}

func newFrameEncoder(level zstd.EncoderLevel) (*frameEncoder, error) {
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
	if err != nil {
		return nil, fmt.Errorf("start zstd: %w", err)
	}
	return &frameEncoder{zw: zw}, nil
}

// encode returns the frame for raw; it stays valid until the next call.
// A block that does not shrink is stored as it is.
func (e *frameEncoder) encode(raw []byte) []byte {
	out := append(e.out[:0], make([]byte, frameHeaderSize)...)
	out = e.zw.EncodeAll(raw, out)
	codec := CodecZstd
	if len(out)-frameHeaderSize >= len(raw) {
		out = append(out[:frameHeaderSize], raw...)
		codec = CodecNone
	}
	h := out[:frameHeaderSize]
	copy(h, frameSync)
	h[4], h[5], h[6], h[7] = byte(codec), 0, 0, 0
	le.PutUint32(h[8:], uint32(len(out)-frameHeaderSize))
	le.PutUint32(h[12:], uint32(len(raw)))
	crc := crc32.Update(crc32.Checksum(h[:16], castagnoli), castagnoli, out[frameHeaderSize:])
	le.PutUint32(h[16:], crc)
	e.out = out
	return out
}

// frameError is a frame that cannot be read: cut short (the recorder
// died while writing it) or damaged.
type frameError struct {
	truncated bool
	offset    int64
	reason    string
}

func (e *frameError) Error() string {
	return fmt.Sprintf("frame at byte %d: %s", e.offset, e.reason)
}

// frameDecoder reads frames and returns their raw blocks.
type frameDecoder struct {
	r      io.Reader
	zr     *zstd.Decoder
	hdr    [frameHeaderSize]byte
	stored []byte
	offset int64 // of the next frame
}

// blockDecoder is shared by all readers: a zstd decoder is costly to set
// up, and DecodeAll may run concurrently (up to GOMAXPROCS at once).
var blockDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxBlockSize))
})

func newFrameDecoder(r io.Reader, offset int64) (*frameDecoder, error) {
	zr, err := blockDecoder()
	if err != nil {
		return nil, fmt.Errorf("start zstd: %w", err)
	}
	return &frameDecoder{r: r, zr: zr, offset: offset}, nil
}

// next returns the next frame's block in a new buffer, io.EOF at a clean
// end of input, or a *frameError.
func (d *frameDecoder) next() ([]byte, error) {
	at := d.offset
	n, err := io.ReadFull(d.r, d.hdr[:])
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err == io.ErrUnexpectedEOF:
		return nil, &frameError{truncated: true, offset: at, reason: fmt.Sprintf("cut short after %d of %d header bytes", n, frameHeaderSize)}
	case err != nil:
		return nil, fmt.Errorf("read recording: %w", err)
	}
	h := d.hdr[:]
	codec, stored, rawLen := Codec(h[4]), le.Uint32(h[8:]), le.Uint32(h[12:])
	switch {
	case string(h[:4]) != frameSync:
		return nil, &frameError{offset: at, reason: "no frame starts here"}
	case codec != CodecNone && codec != CodecZstd:
		return nil, &frameError{offset: at, reason: fmt.Sprintf("unknown codec %d", codec)}
	case rawLen > MaxBlockSize || stored > MaxBlockSize+MaxBlockSize/8:
		return nil, &frameError{offset: at, reason: fmt.Sprintf("block of %d bytes exceeds the limit of %d", max(rawLen, stored), MaxBlockSize)}
	}
	if cap(d.stored) < int(stored) {
		d.stored = make([]byte, stored)
	}
	d.stored = d.stored[:stored]
	if n, err := io.ReadFull(d.r, d.stored); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, &frameError{truncated: true, offset: at, reason: fmt.Sprintf("cut short after %d of %d bytes", frameHeaderSize+n, frameHeaderSize+int(stored))}
		}
		return nil, fmt.Errorf("read recording: %w", err)
	}
	if crc := crc32.Update(crc32.Checksum(h[:16], castagnoli), castagnoli, d.stored); crc != le.Uint32(h[16:]) {
		return nil, &frameError{offset: at, reason: "checksum mismatch"}
	}
	d.offset += frameHeaderSize + int64(stored)
	if codec == CodecNone {
		if rawLen != stored {
			return nil, &frameError{offset: at, reason: "stored and raw lengths differ"}
		}
		return append([]byte(nil), d.stored...), nil
	}
	raw, err := d.zr.DecodeAll(d.stored, make([]byte, 0, rawLen))
	if err != nil || len(raw) != int(rawLen) {
		return nil, &frameError{offset: at, reason: fmt.Sprintf("block does not decompress to its %d bytes", rawLen)}
	}
	return raw, nil
}

// Items inside a block: a kind byte, the body's length (u32) and the body.
const itemHeaderSize = 5

func appendItem(b []byte, k Kind, body []byte) []byte {
	b = append(b, byte(k))
	b = le.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}
