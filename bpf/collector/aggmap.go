package collector

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/cilium/ebpf"
)

// AggMap is one in-kernel map: a per-CPU hash stored at a slot of the
// array of maps for its key size, which probes update by slot. Small-key
// maps also have per-CPU cache slots in front of the hash (agg.bpf.h),
// which reading the map adds in.
type AggMap struct {
	c     *Collector
	m     *ebpf.Map
	slot  uint16
	large bool
	// MaxEntries is the most keys it holds; updates past it are lost
	// and counted.
	MaxEntries uint32
	// deleted counts the keys Clear took out of the hash; the kernel
	// counts those it put in (struct lt_agg_counts).
	deleted uint64
	// dropped counts cached updates Clear threw away that a full hash
	// would not have taken: lost, though the kernel never saw them so.
	dropped uint64
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

// cacheWays is how many cache slots a small-key map has per CPU.
const cacheWays = 1 << collectorLtAggLimitsLT_CACHE_BITS

// NewAggMap creates an in-kernel map for keys of keyBytes (bucket
// included) holding at most maxEntries keys.
func (c *Collector) NewAggMap(keyBytes int, maxEntries uint32) (*AggMap, error) {
	if keyBytes > LargeKey {
		return nil, fmt.Errorf("a map key of %d bytes exceeds the limit of %d", keyBytes, LargeKey)
	}
	if maxEntries == 0 {
		return nil, errors.New("a map needs room for at least one key")
	}
	if err := c.need(collectorMapAggSmall, collectorMapAggLarge, collectorMapAggCounts, collectorMapAggCache); err != nil {
		return nil, err
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
	inner := c.plain.Maps[outerName].InnerMap.Copy()
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

// KeySize is the map's key size in bytes, bucket included.
func (a *AggMap) KeySize() int {
	if a.large {
		return LargeKey
	}
	return SmallKey
}

// Entries reads every key with its aggregate summed over CPUs, in key
// byte order. Cached updates of keys the full hash would not have taken
// are left out (Lost counts them).
func (a *AggMap) Entries() ([]AggEntry, error) {
	var out []AggEntry
	var key []byte
	var per []collectorLtAggValue
	it := a.m.Iterate()
	for it.Next(&key, &per) {
		e := AggEntry{Key: append([]byte(nil), key...)}
		for _, v := range per {
			e.Value.Merge(aggValueOf(v))
		}
		out = append(out, e)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read map: %w", err)
	}
	cached, err := a.cached()
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]int, len(out))
	for i, e := range out {
		byKey[string(e.Key)] = i
	}
	fresh, _ := a.settle(cached, len(out), func(key string) bool { _, ok := byKey[key]; return ok })
	for _, c := range cached {
		if i, ok := byKey[string(c.Key)]; ok {
			out[i].Value.Merge(c.Value)
		}
	}
	out = append(out, fresh...)
	sort.Slice(out, func(i, j int) bool { return string(out[i].Key) < string(out[j].Key) })
	return out, nil
}

// cached reads the updates the CPUs' cache slots hold for the map, in
// slot and CPU order (small keys only).
func (a *AggMap) cached() ([]AggEntry, error) {
	if a.large {
		return nil, nil
	}
	var out []AggEntry
	for i := range uint32(cacheWays) {
		var per []collectorLtAggCached
		if err := a.c.aggCache.Lookup(uint32(a.slot)*cacheWays+i, &per); err != nil {
			return nil, fmt.Errorf("read map cache: %w", err)
		}
		for _, c := range per {
			if c.V.Count != 0 {
				out = append(out, AggEntry{Key: cachedKey(c.Key), Value: aggValueOf(c.V)})
			}
		}
	}
	return out, nil
}

// cachedKey is a cache slot's key as the hash stores it.
func cachedKey(words [SmallKey / 8]uint64) []byte {
	b := make([]byte, 0, SmallKey)
	for _, w := range words {
		b = binary.NativeEndian.AppendUint64(b, w)
	}
	return b
}

// settle decides what cached updates come to when written back to the
// hash, which holds n keys and, by has, these ones: updates of keys it has
// merge there (not returned), new keys are returned merged by key while
// they fit, and the updates of keys past MaxEntries are lost, as the
// kernel would lose them. It returns the new keys and the lost count.
func (a *AggMap) settle(cached []AggEntry, n int, has func(key string) bool) ([]AggEntry, uint64) {
	var fresh []AggEntry
	at := map[string]int{}
	var lost uint64
	for _, c := range cached {
		k := string(c.Key)
		if has(k) {
			continue
		}
		if i, ok := at[k]; ok {
			fresh[i].Value.Merge(c.Value)
			continue
		}
		if n+len(fresh) >= int(a.MaxEntries) {
			lost += uint64(c.Value.Count)
			continue
		}
		at[k] = len(fresh)
		fresh = append(fresh, c)
	}
	return fresh, lost
}

// aggValueOf reads one CPU's share of a key (struct lt_agg_value).
func aggValueOf(v collectorLtAggValue) AggValue {
	return AggValue{Count: v.Count, Sum: v.Sum, Min: v.Min, Max: v.Max}
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
	if a.large {
		return nil
	}
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return err
	}
	zero := make([]collectorLtAggCached, cpus)
	for i := range uint32(cacheWays) {
		if err := a.c.aggCache.Put(uint32(a.slot)*cacheWays+i, zero); err != nil {
			return fmt.Errorf("clear map cache: %w", err)
		}
	}
	return nil
}

// Clear deletes every key. What was lost stays counted.
func (a *AggMap) Clear() error {
	_, pending, err := a.lost()
	if err != nil {
		return err
	}
	var keys [][]byte
	var key []byte
	it := a.m.Iterate()
	var per []collectorLtAggValue
	for it.Next(&key, &per) {
		keys = append(keys, append([]byte(nil), key...))
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("list map keys: %w", err)
	}
	for _, k := range keys {
		err := a.m.Delete(k)
		switch {
		case err == nil:
			a.deleted++
		case !errors.Is(err, ebpf.ErrKeyNotExist):
			return fmt.Errorf("clear map: %w", err)
		}
	}
	a.dropped += pending
	return a.clearCache()
}

// Lost is how many updates the map dropped: it was full, or a stack key
// could not be stored. Updates still cached per CPU count as lost when
// their keys would not fit the hash, as they will when written back. It
// reads the map's counters and cache, and looks up the cached keys; it
// does not read the map.
func (a *AggMap) Lost() (uint64, error) {
	counted, pending, err := a.lost()
	return counted + pending + a.dropped, err
}

// lost reads the updates the kernel counted as lost, and judges those
// pending in the cache.
func (a *AggMap) lost() (counted, pending uint64, err error) {
	var per []collectorLtAggCounts
	if err := a.c.aggCounts.Lookup(a.countsKey(), &per); err != nil {
		return 0, 0, fmt.Errorf("read map counters: %w", err)
	}
	var lost, keys uint64
	for _, p := range per {
		lost += p.Lost
		keys += p.Keys
	}
	cached, err := a.cached()
	if err != nil {
		return 0, 0, err
	}
	var lookupErr error
	has := func(key string) bool {
		var v []collectorLtAggValue
		err := a.m.Lookup([]byte(key), &v)
		if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			lookupErr = err
		}
		return err == nil
	}
	_, pending = a.settle(cached, int(keys-min(keys, a.deleted)), has)
	if lookupErr != nil {
		return 0, 0, fmt.Errorf("read map: %w", lookupErr)
	}
	return lost, pending, nil
}

// countsKey: small maps' counters come first, then large maps'.
func (a *AggMap) countsKey() uint32 {
	if a.large {
		return uint32(a.slot) + uint32(MaxMaps)
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

// emptyStack is the id of a stack without frames (enum lt_stack_key).
const emptyStack = uint32(collectorLtStackKeyLT_STACK_EMPTY)

// Stack returns the addresses of a stack a map key refers to; a stack
// without frames has none.
func (c *Collector) Stack(id uint32) ([]uint64, error) {
	if id == emptyStack {
		return nil, nil
	}
	if err := c.need(collectorMapAggStacks); err != nil {
		return nil, err
	}
	var frames [collectorLtAggLimitsLT_MAX_STACK]uint64
	if err := c.aggStacks.Lookup(id, &frames); err != nil {
		return nil, fmt.Errorf("read stack %d: %w", id, err)
	}
	n := 0
	for n < len(frames) && frames[n] != 0 {
		n++
	}
	return frames[:n], nil
}
