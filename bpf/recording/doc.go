// Package recording reads and writes luatrace recordings: files that keep
// what a trace saw so that it can be replayed later, elsewhere, without
// privileges.
//
// A recording is self-describing and append-only. A 16-byte file header
// (magic and format version) is followed by frames; each frame holds one
// block of items, compressed with zstd and guarded by its length and a
// CRC-32C, so that a recorder killed at any point leaves a file whose
// complete frames all read back: the reader stops at a torn tail and says
// so. Items are the recording header (host, kernel, start time), the
// script, probe descriptions (how to decode each probe's records), symbol
// material (process mappings with build-ids, or symbol tables), event
// batches (collector records exactly as the ring buffer delivered them),
// drop counters, map snapshots and an end marker.
//
// docs/recording.md specifies the format for readers in other languages.
package recording
