package recording

import (
	"hash/crc32"
	"strconv"
)

// Format version written by this package. A reader accepts any minor
// version of its major version: minor versions only add item kinds and
// JSON fields, which older readers skip.
const (
	VersionMajor = 1
	VersionMinor = 2
)

// Magic opens every recording file.
const Magic = "LTRECORD"

// fileHeaderSize is the magic, the major and minor version (u16 each) and
// a reserved u32.
const fileHeaderSize = 16

// Frame layout: the sync word, the codec, three reserved bytes, the stored
// length, the raw length and the CRC-32C of the header's first 16 bytes
// followed by the stored bytes.
const (
	frameSync       = "LTBK"
	frameHeaderSize = 20
)

// Codec is how a frame's block is stored.
type Codec uint8

// Codecs: a block is stored as it is when compression would not shrink it.
const (
	CodecNone Codec = 0
	CodecZstd Codec = 1
)

// MaxBlockSize bounds a block's raw size. A reader refuses larger frames,
// so a corrupt length cannot make it allocate without bound; a writer
// refuses items that do not fit.
const MaxBlockSize = 64 << 20

// Kind is an item's type.
type Kind uint8

// Item kinds. The numbers are part of the format.
const (
	KindHeader   Kind = 1  // JSON Header, first item of every file
	KindProbe    Kind = 2  // JSON Probe
	KindEvents   Kind = 3  // binary: (uvarint length, record) repeated
	KindDrops    Kind = 4  // JSON Drops
	KindMap      Kind = 5  // JSON MapSnapshot
	KindMappings Kind = 6  // JSON Mappings
	KindSymbols  Kind = 7  // JSON SymbolTable
	KindEnd      Kind = 8  // JSON End
	KindScript   Kind = 9  // JSON Script
	KindTick     Kind = 10 // JSON Tick (since 1.1)
	KindAnswer   Kind = 11 // JSON Answer (since 1.2)
	KindStack    Kind = 12 // JSON Stack (since 1.2)
)

var kindNames = map[Kind]string{KindHeader: "header", KindProbe: "probe", KindEvents: "events", KindDrops: "drops",
	KindMap: "map", KindMappings: "mappings", KindSymbols: "symbols", KindEnd: "end", KindScript: "script", KindTick: "tick",
	KindAnswer: "answer", KindStack: "stack"}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "kind " + strconv.Itoa(int(k))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
