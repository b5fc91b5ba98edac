package maps

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/luatrace/luatrace/luaapi/btfvalue"
	"github.com/luatrace/luatrace/luaapi/udata"
	"github.com/luatrace/luatrace/luaapi/value"
)

// pinnedType is the userdata of map.open's maps.
var pinnedType = udata.New[*pinnedMap]("luatrace.pinnedmap", "map from map.open")

// pinnedMap is a BPF map another program pinned under /sys/fs/bpf, opened
// with map.open(path). Keys and values decode through the map's BTF when
// it has one, else they are byte strings (or integers for 4- and 8-byte
// keys).
type pinnedMap struct {
	path       string
	m          *ebpf.Map
	key, value btf.Type // nil without BTF
}

// openPinned adds map.open to t, the map table, and the methods of the
// maps it opens.
func (mod *Module) openPinned(L *lua.LState, t *lua.LTable) {
	mt := pinnedType.Metatable(L)
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"get":    pinnedGet,
		"set":    pinnedSet,
		"delete": pinnedDelete,
		"items":  pinnedItems,
		"len":    pinnedLen,
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		p := pinnedType.Check(L, 1)
		L.Push(lua.LString(fmt.Sprintf("map.open(%q): %s", p.path, p.m.Type())))
		return 1
	}))
	L.SetField(t, "open", L.NewFunction(mod.mapOpen))
}

// mapOpen implements map.open(path): nil and a message on failure.
func (mod *Module) mapOpen(L *lua.LState) int {
	path := L.CheckString(1)
	m, err := ebpf.LoadPinnedMap(path, nil)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("cannot open pinned map %s: %v (is it under a mounted /sys/fs/bpf?)", path, err)))
		return 2
	}
	switch m.Type() {
	case ebpf.PerCPUHash, ebpf.PerCPUArray, ebpf.LRUCPUHash, ebpf.PerCPUCGroupStorage:
		m.Close()
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("%s is a per-CPU map (%s); map.open reads shared maps only", path, m.Type())))
		return 2
	}
	p := &pinnedMap{path: path, m: m}
	p.key, p.value = mapBTF(m)
	mod.pinned = append(mod.pinned, p)
	L.Push(pinnedType.Wrap(L, p))
	return 1
}

// mapBTF finds the map's key and value types, nil when it has no BTF.
// cilium/ebpf's MapInfo does not carry the type ids, so ask the kernel.
func mapBTF(m *ebpf.Map) (key, val btf.Type) {
	var info [80]byte // struct bpf_map_info up to btf_value_type_id
	attr := struct {
		fd, infoLen uint32
		info        uint64
	}{uint32(m.FD()), uint32(len(info)), uint64(uintptr(unsafe.Pointer(&info[0])))}
	const bpfObjGetInfoByFD = 15
	if _, _, errno := unix.Syscall(unix.SYS_BPF, bpfObjGetInfoByFD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr)); errno != 0 {
		return nil, nil
	}
	btfID := leU32(info[64:])
	keyID, valID := leU32(info[68:]), leU32(info[72:])
	if btfID == 0 || valID == 0 {
		return nil, nil
	}
	h, err := btf.NewHandleFromID(btf.ID(btfID))
	if err != nil {
		return nil, nil
	}
	defer h.Close()
	spec, err := h.Spec(nil)
	if err != nil {
		return nil, nil
	}
	if keyID != 0 {
		key, _ = spec.TypeByID(btf.TypeID(keyID))
	}
	val, _ = spec.TypeByID(btf.TypeID(valID))
	return key, val
}

func leU32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// encode lays v out as the map's key or value.
func (p *pinnedMap) encode(t btf.Type, size uint32, v lua.LValue) ([]byte, error) {
	out := make([]byte, size)
	if t != nil {
		return out, btfvalue.Encode(t, v, out)
	}
	switch x := v.(type) {
	case lua.LString:
		if uint32(len(x)) != size {
			return nil, fmt.Errorf("this map has no BTF: give %d-byte strings, not %d bytes", size, len(x))
		}
		copy(out, x)
		return out, nil
	}
	n, ok := value.ToUint64(v)
	if !ok || (size != 4 && size != 8) {
		return nil, fmt.Errorf("this map has no BTF: give %d-byte strings", size)
	}
	for i := range out {
		out[i] = byte(n >> (8 * i))
	}
	return out, nil
}

func (p *pinnedMap) decode(L *lua.LState, t btf.Type, b []byte) lua.LValue {
	if t != nil {
		return btfvalue.Decode(L, t, b)
	}
	if len(b) == 4 || len(b) == 8 {
		var n uint64
		for i := len(b) - 1; i >= 0; i-- {
			n = n<<8 | uint64(b[i])
		}
		return value.Uint(n)
	}
	return lua.LString(b)
}

// pinnedGet implements m:get(key): the value, or nil.
func pinnedGet(L *lua.LState) int {
	p := pinnedType.Check(L, 1)
	k, err := p.encode(p.key, p.m.KeySize(), L.Get(2))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	var v []byte
	if err := p.m.Lookup(k, &v); err != nil {
		if !errors.Is(err, ebpf.ErrKeyNotExist) {
			L.RaiseError("%s: %s", p.path, err.Error())
		}
		L.Push(lua.LNil)
		return 1
	}
	L.Push(p.decode(L, p.value, v))
	return 1
}

// pinnedSet implements m:set(key, value).
func pinnedSet(L *lua.LState) int {
	p := pinnedType.Check(L, 1)
	k, err := p.encode(p.key, p.m.KeySize(), L.Get(2))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	v, err := p.encode(p.value, p.m.ValueSize(), L.Get(3))
	if err != nil {
		L.ArgError(3, err.Error())
	}
	if err := p.m.Put(k, v); err != nil {
		L.RaiseError("%s: %s", p.path, err.Error())
	}
	return 0
}

// pinnedDelete implements m:delete(key): true when the key was there.
func pinnedDelete(L *lua.LState) int {
	p := pinnedType.Check(L, 1)
	k, err := p.encode(p.key, p.m.KeySize(), L.Get(2))
	if err != nil {
		L.ArgError(2, err.Error())
	}
	err = p.m.Delete(k)
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		L.RaiseError("%s: %s", p.path, err.Error())
	}
	L.Push(lua.LBool(err == nil))
	return 1
}

// pinnedItems implements m:items(): {key=, value=} for every entry.
func pinnedItems(L *lua.LState) int {
	p := pinnedType.Check(L, 1)
	out := L.NewTable()
	var k, v []byte
	it := p.m.Iterate()
	for it.Next(&k, &v) {
		item := L.NewTable()
		item.RawSetString("key", p.decode(L, p.key, k))
		item.RawSetString("value", p.decode(L, p.value, v))
		out.Append(item)
	}
	if err := it.Err(); err != nil {
		L.RaiseError("%s: %s", p.path, err.Error())
	}
	L.Push(out)
	return 1
}

func pinnedLen(L *lua.LState) int {
	p := pinnedType.Check(L, 1)
	n := 0
	var k, v []byte
	it := p.m.Iterate()
	for it.Next(&k, &v) {
		n++
	}
	L.Push(lua.LNumber(n))
	return 1
}
