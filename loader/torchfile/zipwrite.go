package torchfile

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// zipAlign is the data alignment of PyTorch's PyTorchStreamWriter: every member's data
// starts at a multiple of 64 so storages can be memory-mapped and used in place.
const zipAlign = 64

// zip64Limit is the size/offset from which zip64 fields are needed. A variable so tests
// can exercise the zip64 path with small archives.
var zip64Limit uint64 = 0xffffffff

type zipEntry struct {
	name   string
	crc    uint32
	size   uint64
	offset uint64
}

// zipWriter writes an uncompressed zip archive the way PyTorch's writer lays it out:
// no data descriptors, and a local-header extra field of id "FB" whose 'Z' padding
// aligns the member data to zipAlign.
type zipWriter struct {
	w       io.Writer
	off     uint64
	entries []zipEntry
	err     error
}

func (z *zipWriter) write(b []byte) {
	if z.err != nil {
		return
	}
	n, err := z.w.Write(b)
	z.off += uint64(n)
	z.err = err
}

func (z *zipWriter) add(name string, data []byte) error {
	if len(name) > 0xffff {
		return errors.New("zip: member name too long")
	}
	e := zipEntry{name: name, crc: crc32.ChecksumIEEE(data), size: uint64(len(data)), offset: z.off}
	z64 := e.size >= zip64Limit
	var extra []byte
	if z64 {
		extra = le16(extra, 0x0001, 16)
		extra = le64(extra, e.size, e.size)
	}
	start := z.off + 30 + uint64(len(name)) + uint64(len(extra)) + 4
	pad := (zipAlign - start%zipAlign) % zipAlign
	extra = append(extra, 'F', 'B', byte(pad), byte(pad>>8))
	for i := uint64(0); i < pad; i++ {
		extra = append(extra, 'Z')
	}

	h := le32(nil, 0x04034b50)
	h = le16(h, versionNeeded(z64), nameFlags(name), 0 /* stored */, 0 /* time */, dosDate1980)
	h = le32(h, e.crc)
	if z64 {
		h = le32(h, 0xffffffff, 0xffffffff)
	} else {
		h = le32(h, uint32(e.size), uint32(e.size))
	}
	h = le16(h, uint16(len(name)), uint16(len(extra)))
	h = append(h, name...)
	h = append(h, extra...)
	z.write(h)
	z.write(data)
	z.entries = append(z.entries, e)
	return z.err
}

// close writes the central directory and end records (zip64 ones when needed).
func (z *zipWriter) close() error {
	cdStart := z.off
	for _, e := range z.entries {
		var extra []byte
		size32, off32 := uint32(e.size), uint32(e.offset)
		var fields []uint64
		if e.size >= zip64Limit {
			size32 = 0xffffffff
			fields = append(fields, e.size, e.size)
		}
		if e.offset >= zip64Limit {
			off32 = 0xffffffff
			fields = append(fields, e.offset)
		}
		if len(fields) > 0 {
			extra = le16(extra, 0x0001, uint16(8*len(fields)))
			extra = le64(extra, fields...)
		}
		h := le32(nil, 0x02014b50)
		z64 := len(fields) > 0
		h = le16(h, 3<<8|45 /* made by: unix, 4.5 */, versionNeeded(z64), nameFlags(e.name), 0, 0, dosDate1980)
		h = le32(h, e.crc, size32, size32)
		h = le16(h, uint16(len(e.name)), uint16(len(extra)), 0, 0, 0)
		h = le32(h, 0, off32)
		h = append(h, e.name...)
		h = append(h, extra...)
		z.write(h)
	}
	cdEnd := z.off
	cdSize := cdEnd - cdStart
	n := uint64(len(z.entries))
	if n >= 0xffff || cdSize >= zip64Limit || cdStart >= zip64Limit {
		r := le32(nil, 0x06064b50)
		r = le64(r, 44)
		r = le16(r, 3<<8|45, 45)
		r = le32(r, 0, 0)
		r = le64(r, n, n, cdSize, cdStart)
		r = le32(r, 0x07064b50, 0)
		r = le64(r, cdEnd)
		r = le32(r, 1)
		z.write(r)
		n = min(n, 0xffff)
		if cdStart >= zip64Limit {
			cdStart = 0xffffffff
		}
		if cdSize >= zip64Limit {
			cdSize = 0xffffffff
		}
	}
	r := le32(nil, 0x06054b50)
	r = le16(r, 0, 0, uint16(n), uint16(n))
	r = le32(r, uint32(cdSize), uint32(cdStart))
	r = le16(r, 0)
	z.write(r)
	return z.err
}

// dosDate1980 is 1980-01-01, the earliest DOS date (torch writes an invalid all-zero
// date; a valid one keeps zip tools quiet and means the same to every reader).
const dosDate1980 = 1<<5 | 1

func versionNeeded(z64 bool) uint16 {
	if z64 {
		return 45
	}
	return 20
}

// nameFlags sets the UTF-8 name flag only when the name needs it.
func nameFlags(name string) uint16 {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return 1 << 11
		}
	}
	return 0
}

func le16(b []byte, vs ...uint16) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	return b
}

func le32(b []byte, vs ...uint32) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func le64(b []byte, vs ...uint64) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}
