package collector

import (
	"errors"
	"fmt"
	"sort"

	"github.com/cilium/ebpf"
)

// Aggregation limits, as in collector.h.
const (
	// MaxAggs is how many maps one probe feeds.
	MaxAggs = 2
	// MaxKeyParts is the most parts of one composite key.
	MaxKeyParts = 4
	// MaxMaps is the most in-kernel maps per key size.
	MaxMaps = 256
	// SmallKey and LargeKey are the two key sizes, histogram bucket
	// (the last 8 bytes) included.
	SmallKey = 24
	LargeKey = 128
	// MaxKeyBytes is the widest string part of a key.
	MaxKeyBytes = 64
	// maxStack is the most frames of a stack key.
	maxStack = 127
	// cacheWays is how many cache slots a small-key map has per CPU.
	cacheWays = 1 << 3
)

// AggKind is how a map aggregates its values.
type AggKind uint8

// Aggregation kinds: Stats keeps count, sum, min and max of the value
// (count, sum, min, max, avg and stats maps); the histograms count values
// per bucket.
const (
	AggStats AggKind = iota
	AggHist
	AggLinearHist
)

// KeyKind is what a key part holds.
type KeyKind uint8

// Key part kinds.
const (
	KeyValue       KeyKind = 1 // an operand, 8 bytes
	KeyComm        KeyKind = 2 // the task command, 16 bytes
	KeyBytes       KeyKind = 3 // a captured string field, Size bytes zero-padded
	KeyKernelStack KeyKind = 4 // a stack id, 8 bytes
	KeyUserStack   KeyKind = 5
)

// KeyPart is one part of a composite key, at Offset bytes into it.
type KeyPart struct {
	Kind    KeyKind
	Operand Operand // KeyValue: the value; KeyBytes: the field index
	Size    uint8   // KeyValue: operand bytes; KeyBytes: width
	Signed  bool    // KeyValue: sign-extend a narrow value
	Offset  uint8
}

// Width is the bytes the part takes in a key.
func (p KeyPart) Width() int {
	switch p.Kind {
	case KeyComm:
		return 16
	case KeyBytes:
		return int(p.Size)
	}
	return 8
}

// Agg is one map a probe updates: the key built from Parts, the value from
// Value (OperandOne for a count).
type Agg struct {
	Map         *AggMap
	Kind        AggKind
	Parts       []KeyPart
	Value       Operand
	ValueSize   uint8
	ValueSigned bool
	// Linear histograms: buckets of Step from Min to Max.
	Min, Max, Step int64
}

func (s *Spec) encodeAggs(out *collectorLtSpec) error {
	if len(s.Aggs) > MaxAggs {
		return fmt.Errorf("a probe feeds at most %d maps, not %d", MaxAggs, len(s.Aggs))
	}
	out.Naggs = uint8(len(s.Aggs))
	for i, a := range s.Aggs {
		if a.Map == nil || len(a.Parts) > MaxKeyParts || !a.Value.valid(len(s.Fields), len(s.Calcs)) || a.Value == OperandImm {
			return fmt.Errorf("map update %d is malformed", i)
		}
		if a.Kind == AggLinearHist && (a.Step <= 0 || a.Max <= a.Min) {
			return fmt.Errorf("linear histogram needs min < max and step > 0")
		}
		keySize := a.Map.KeySize()
		o := &out.Aggs[i]
		o.Map, o.Kind, o.Nparts, o.Value, o.ValueSize = a.Map.slot, uint8(a.Kind), uint8(len(a.Parts)), uint8(a.Value), a.ValueSize
		o.Large = flagsOf(a.Map.large, 1)
		o.ValueFlags = flagsOf(a.ValueSigned, 2)
		o.Lmin, o.Lmax, o.Lstep = a.Min, a.Max, a.Step
		for j, p := range a.Parts {
			if int(p.Offset)+p.Width() > keySize-8 || p.Kind == KeyBytes && (p.Size == 0 || p.Size > MaxKeyBytes || int(p.Operand) >= len(s.Fields)) ||
				p.Kind == KeyValue && (!p.Operand.valid(len(s.Fields), len(s.Calcs)) || p.Operand == OperandImm) || p.Kind < KeyValue || p.Kind > KeyUserStack {
				return fmt.Errorf("key part %d of map update %d is malformed", j, i)
			}
			if p.Kind == KeyComm {
				out.Flags |= specCommKey
			}
			q := &o.Parts[j]
			q.Kind, q.Operand, q.Size, q.Offset, q.Flags = uint8(p.Kind), uint8(p.Operand), p.Size, p.Offset, flagsOf(p.Signed, 2)
		}
	}
	return nil
}

// AggMap is one in-kernel map: a per-CPU hash stored at a slot of the
// array of maps for its key size, which probes update by slot.
type AggMap struct {
	c     *Collector
	m     *ebpf.Map
	slot  uint16
	large bool
	// MaxEntries is the most keys it holds; updates past it are lost
	// and counted.
	MaxEntries uint32
	// overflow counts cached updates of keys beyond MaxEntries, found
	// when the map was last read.
	overflow uint64
}

// aggCached is one per-CPU cache slot, as struct lt_agg_cached.
type aggCached struct {
	Key   [SmallKey]byte
	Value aggValue
}

// AggValue is a key's aggregate, summed over CPUs.
type AggValue struct {
	Count, Sum, Min, Max int64
}

// AggEntry is one key and its aggregate. Key is the raw key, bucket last.
type AggEntry struct {
	Key   []byte
	Value AggValue
}

// NewAggMap creates an in-kernel map for keys of keyBytes (bucket
// included) holding at most maxEntries keys.
func (c *Collector) NewAggMap(keyBytes int, maxEntries uint32) (*AggMap, error) {
	if keyBytes > LargeKey {
		return nil, fmt.Errorf("a map key of %d bytes exceeds the limit of %d", keyBytes, LargeKey)
	}
	if maxEntries == 0 {
		return nil, errors.New("a map needs room for at least one key")
	}
	large := keyBytes > SmallKey
	c.mu.Lock()
	defer c.mu.Unlock()
	used := c.aggSlots[large]
	if used == nil {
		used = map[uint16]bool{}
		c.aggSlots[large] = used
	}
	slot := -1
	for i := 0; i < MaxMaps; i++ {
		if !used[uint16(i)] {
			slot = i
			break
		}
	}
	if slot < 0 {
		return nil, fmt.Errorf("all %d in-kernel maps of this key size are in use", MaxMaps)
	}
	outerName := collectorMapAggSmall
	if large {
		outerName = collectorMapAggLarge
	}
	inner := c.spec.Maps[outerName].InnerMap.Copy()
	inner.MaxEntries = maxEntries
	inner.Name = fmt.Sprintf("lt_agg%d", slot)
	m, err := ebpf.NewMap(inner)
	if err != nil {
		return nil, fmt.Errorf("create map of %d keys: %w", maxEntries, err)
	}
	if err := c.aggOuter(large).Put(uint32(slot), m); err != nil {
		m.Close()
		return nil, fmt.Errorf("install map: %w", err)
	}
	a := &AggMap{c: c, m: m, slot: uint16(slot), large: large, MaxEntries: maxEntries}
	// A slot's counters and cache may hold a closed map's leftovers.
	cpus, err := ebpf.PossibleCPU()
	if err == nil {
		err = c.aggCounts.Put(a.countsKey(), make([]collectorLtAggCounts, cpus))
	}
	if err == nil {
		err = a.clearCache()
	}
	if err != nil {
		c.aggOuter(large).Delete(uint32(slot))
		m.Close()
		return nil, fmt.Errorf("reset map counters: %w", err)
	}
	used[uint16(slot)] = true
	return a, nil
}

// aggValue is one CPU's share of a key, as struct lt_agg_value.
type aggValue struct {
	Count, Sum, Min, Max int64
}

// KeySize is the map's key size in bytes, bucket included.
func (a *AggMap) KeySize() int {
	if a.large {
		return LargeKey
	}
	return SmallKey
}

// Entries reads every key with its aggregate summed over CPUs, in key
// byte order.
func (a *AggMap) Entries() ([]AggEntry, error) {
	var out []AggEntry
	var key []byte
	var per []aggValue
	it := a.m.Iterate()
	for it.Next(&key, &per) {
		e := AggEntry{Key: append([]byte(nil), key...)}
		for _, v := range per {
			e.Value.Merge(AggValue(v))
		}
		out = append(out, e)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read map: %w", err)
	}
	out, err := a.mergeCache(out)
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i].Key) < string(out[j].Key) })
	return out, nil
}

// cacheIndexes are the map's slots in the per-CPU cache (small keys only).
func (a *AggMap) cacheIndexes() []uint32 {
	if a.large {
		return nil
	}
	idx := make([]uint32, cacheWays)
	for i := range idx {
		idx[i] = uint32(a.slot)*cacheWays + uint32(i)
	}
	return idx
}

// mergeCache adds what the CPUs' cache slots hold to the hash's entries.
// Keys only in caches beyond MaxEntries count as lost, as the kernel
// would have lost them writing back to a full map.
func (a *AggMap) mergeCache(entries []AggEntry) ([]AggEntry, error) {
	byKey := map[string]int{}
	for i, e := range entries {
		byKey[string(e.Key)] = i
	}
	a.overflow = 0
	for _, idx := range a.cacheIndexes() {
		var per []aggCached
		if err := a.c.aggCache.Lookup(idx, &per); err != nil {
			return nil, fmt.Errorf("read map cache: %w", err)
		}
		for _, c := range per {
			if c.Value.Count == 0 {
				continue
			}
			v := AggValue{Count: c.Value.Count, Sum: c.Value.Sum, Min: c.Value.Min, Max: c.Value.Max}
			if i, ok := byKey[string(c.Key[:])]; ok {
				entries[i].Value.Merge(v)
				continue
			}
			if uint32(len(entries)) >= a.MaxEntries {
				a.overflow += uint64(v.Count)
				continue
			}
			byKey[string(c.Key[:])] = len(entries)
			entries = append(entries, AggEntry{Key: append([]byte(nil), c.Key[:]...), Value: v})
		}
	}
	return entries, nil
}

// Merge folds b into v.
func (v *AggValue) Merge(b AggValue) {
	if b.Count == 0 {
		return
	}
	if v.Count == 0 || b.Min < v.Min {
		v.Min = b.Min
	}
	if v.Count == 0 || b.Max > v.Max {
		v.Max = b.Max
	}
	v.Count += b.Count
	v.Sum += b.Sum
}

// Add folds one value x into v.
func (v *AggValue) Add(x int64) { v.Merge(AggValue{Count: 1, Sum: x, Min: x, Max: x}) }

func (a *AggMap) clearCache() error {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return err
	}
	zero := make([]aggCached, cpus)
	for _, idx := range a.cacheIndexes() {
		if err := a.c.aggCache.Put(idx, zero); err != nil {
			return fmt.Errorf("clear map cache: %w", err)
		}
	}
	return nil
}

// Clear deletes every key.
func (a *AggMap) Clear() error {
	var keys [][]byte
	var key []byte
	it := a.m.Iterate()
	var per []aggValue
	for it.Next(&key, &per) {
		keys = append(keys, append([]byte(nil), key...))
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("list map keys: %w", err)
	}
	for _, k := range keys {
		if err := a.m.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("clear map: %w", err)
		}
	}
	return a.clearCache()
}

// Lost is how many updates the map dropped: it was full, or a stack key
// could not be stored. Updates still cached per CPU are judged when the map
// is read (Entries).
func (a *AggMap) Lost() (uint64, error) {
	if _, err := a.Entries(); err != nil {
		return 0, err
	}
	var per []collectorLtAggCounts
	if err := a.c.aggCounts.Lookup(a.countsKey(), &per); err != nil {
		return 0, fmt.Errorf("read map counters: %w", err)
	}
	n := a.overflow
	for _, p := range per {
		n += p.Lost
	}
	return n, nil
}

// countsKey: small maps' counters come first, then large maps'.
func (a *AggMap) countsKey() uint32 {
	if a.large {
		return uint32(a.slot) + MaxMaps
	}
	return uint32(a.slot)
}

// Close removes the map from the kernel; probes still pointing at its slot
// find nothing there and skip it.
func (a *AggMap) Close() error {
	a.c.mu.Lock()
	defer a.c.mu.Unlock()
	if a.m == nil {
		return nil
	}
	err := a.c.aggOuter(a.large).Delete(uint32(a.slot))
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		err = nil
	}
	delete(a.c.aggSlots[a.large], a.slot)
	err = errors.Join(err, a.m.Close())
	a.m = nil
	return err
}

func (c *Collector) aggOuter(large bool) *ebpf.Map {
	if large {
		return c.aggLarge
	}
	return c.aggSmall
}

// StackKey splits a stack key part: the stack's id and, for user stacks,
// the process it was taken in.
func StackKey(part uint64) (id uint32, pid int) {
	return uint32(part), int(part >> 32)
}

// emptyStack is the id of a stack without frames, as lt_stack_key stores it.
const emptyStack = 0xffffffff

// Stack returns the addresses of a stack a map key refers to; a stack
// without frames has none.
func (c *Collector) Stack(id uint32) ([]uint64, error) {
	if id == emptyStack {
		return nil, nil
	}
	var frames [maxStack]uint64
	if err := c.aggStacks.Lookup(id, &frames); err != nil {
		return nil, fmt.Errorf("read stack %d: %w", id, err)
	}
	n := 0
	for n < len(frames) && frames[n] != 0 {
		n++
	}
	return frames[:n], nil
}
