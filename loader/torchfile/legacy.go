package torchfile

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// legacyProtocol is torch.serialization.PROTOCOL_VERSION, the second legacy pickle.
const legacyProtocol = 1001

// readLegacy decodes the rest of a legacy torch.save stream after its magic number:
// protocol version, sys_info, the main pickle (storages by persistent id), the pickled
// list of storage keys, then each listed storage as int64 numel + raw bytes.
func readLegacy(u *unpickler) (*File, error) {
	proto, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy protocol version: %w", err)
	}
	if p, ok := proto.(int64); !ok || p != legacyProtocol {
		return nil, fmt.Errorf("legacy protocol version %v, want %d", proto, legacyProtocol)
	}
	sysInfo, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy sys_info: %w", err)
	}
	bigEndian := false
	if d, ok := sysInfo.(*Dict); ok {
		if le, ok := d.Get("little_endian"); ok && le == false {
			bigEndian = true
		}
	}

	storages := map[string]*Storage{}
	var views []*Storage
	u.persistentLoad = func(pid any) (any, error) {
		t, ok := pid.(Tuple)
		if !ok || len(t) == 0 {
			return nil, fmt.Errorf("unsupported persistent id %s", typeName(pid))
		}
		switch t[0] {
		case "module":
			// ('module', class, source file, source): torch returns the class.
			if len(t) > 1 {
				return t[1], nil
			}
			return nil, errors.New("empty module persistent id")
		case "storage":
		default:
			return nil, fmt.Errorf("unsupported persistent id kind %v", t[0])
		}
		if len(t) < 5 {
			return nil, fmt.Errorf("storage persistent id with %d items", len(t))
		}
		dtype, err := storageDType(t[1])
		if err != nil {
			return nil, err
		}
		key, ok1 := t[2].(string)
		loc, ok2 := t[3].(string)
		if !ok1 || !ok2 {
			return nil, errors.New("persistent id key or location is not a str")
		}
		if _, err := storageBytes(t[4], dtype); err != nil {
			return nil, err
		}
		root, ok := storages[key]
		if !ok {
			root = &Storage{DType: dtype, Key: key, Location: loc}
			storages[key] = root
		}
		if len(t) < 6 || t[5] == nil {
			return root, nil
		}
		// view_metadata = (view_key, offset, view_size), in elements of the root
		vm, ok := t[5].(Tuple)
		if !ok || len(vm) != 3 {
			return nil, errors.New("bad storage view metadata")
		}
		vkey, ok := vm[0].(string)
		if !ok {
			return nil, errors.New("storage view key is not a str")
		}
		if v, ok := storages[vkey]; ok {
			return v, nil
		}
		off, err1 := toInt(vm[1], "view offset")
		n, err2 := toInt(vm[2], "view size")
		if err1 != nil || err2 != nil || off < 0 || n < 0 {
			return nil, errors.New("bad storage view offset or size")
		}
		v := &Storage{DType: dtype, Key: vkey, Location: loc, viewOf: root, viewOffset: int64(off), viewSize: int64(n)}
		storages[vkey] = v
		views = append(views, v)
		return v, nil
	}
	root, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy main pickle: %w", err)
	}
	u.persistentLoad = nil
	keysV, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("legacy storage keys: %w", err)
	}
	keys, ok := seqItems(keysV)
	if !ok {
		return nil, fmt.Errorf("legacy storage keys are a %s", typeName(keysV))
	}
	filled := map[*Storage]bool{}
	for _, k := range keys {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("legacy storage key is a %s", typeName(k))
		}
		s, ok := storages[key]
		if !ok || s.viewOf != nil {
			return nil, fmt.Errorf("storage %s: listed but not used by the pickle", key)
		}
		if len(u.data)-u.pos < 8 {
			return nil, fmt.Errorf("storage %s: truncated: missing element count", key)
		}
		numel := binary.LittleEndian.Uint64(u.data[u.pos:])
		if bigEndian {
			numel = binary.BigEndian.Uint64(u.data[u.pos:])
		}
		u.pos += 8
		es := uint64(ElementSize(s.DType))
		have := uint64(len(u.data) - u.pos)
		if numel > have/es+1 || numel*es > have {
			return nil, fmt.Errorf("storage %s: truncated: want %d elements of %d bytes, have %d bytes", key, numel, es, have)
		}
		n := int(numel * es)
		// full slice expression: storages must not be able to grow into each other
		s.Data = u.data[u.pos : u.pos+n : u.pos+n]
		if bigEndian {
			swapBytes(s.Data, s.DType)
		}
		u.pos += n
		filled[s] = true
	}
	for key, s := range storages {
		if s.viewOf == nil && !filled[s] {
			return nil, fmt.Errorf("storage %s: no data in file", key)
		}
	}
	for _, v := range views {
		es := int64(ElementSize(v.DType))
		rd := v.viewOf.Data
		if v.viewOffset > int64(len(rd))/es || v.viewSize > int64(len(rd))/es-v.viewOffset {
			return nil, fmt.Errorf("storage view %s: [%d:+%d] outside storage %s of %d elements",
				v.Key, v.viewOffset, v.viewSize, v.viewOf.Key, int64(len(rd))/es)
		}
		v.Data = rd[v.viewOffset*es : (v.viewOffset+v.viewSize)*es]
		v.viewOf = nil
	}
	return &File{Format: FormatLegacy, Root: root, SysInfo: sysInfo}, nil
}
