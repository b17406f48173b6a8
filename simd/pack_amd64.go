//go:build amd64 && !purego

package simd

// Declarations for pack_amd64.s. Both read only lanes < valid of each row and write
// exactly stored lanes per row, so panels at the edge of a matrix never touch memory
// outside it.

//go:noescape
func packCopyZ(dst, src *float32, ld, kc, dstStride int, validLo, validHi, storedLo, storedHi uint16)

//go:noescape
func packGatherZ(dst, src *float32, ld, kc, dstStride int, validLo, validHi, storedLo, storedHi uint16)

//go:noescape
func packTransZ(dst, src *float32, ld, kc, valid, lanes, dstStride int)

//go:noescape
func packRowsZ(dst, src *float32, ld, kc, npanels, panelStride int)

// packRowsAVX512 packs npanels full 32-wide panels of kc rows from src (rows ld apart)
// into dst (panels kc*32 apart), reading each row's segment contiguously.
func packRowsAVX512(dst, src []float32, ld, kc, npanels int) {
	if kc <= 0 || npanels <= 0 {
		return
	}
	_ = dst[npanels*kc*32-1]
	_ = src[(kc-1)*ld+npanels*32-1]
	packRowsZ(&dst[0], &src[0], ld, kc, npanels, kc*32)
}

//go:noescape
func packTransY(dst, src *float32, ld, kc, valid, lanes, dstStride int)

//go:noescape
func packCopyY(dst, src *float32, ld, kc, dstStride, validLo, validHi, storedLo, storedHi int)

//go:noescape
func packGatherY(dst, src *float32, ld, kc, dstStride, validLo, validHi, storedLo, storedHi int)

func lanes16(n int) uint16 { return uint16(uint32(1)<<uint(min(max(n, 0), 16)) - 1) }

// packAVX512 is packGeneric with zmm code (stored <= 32).
func packAVX512(gather bool, dst, src []float32, ld, kc, valid, stored int) {
	if !packFits(gather, dst, src, ld, kc, valid, stored, 32) {
		packGeneric(gather, dst, src, ld, kc, valid, stored)
		return
	}
	if gather && !packUseGather {
		// In-register transposes, 16 source rows at a time.
		if stored <= 16 {
			packTransZ(&dst[0], &src[0], ld, kc, valid, stored, stored)
			return
		}
		packTransZ(&dst[0], &src[0], ld, kc, min(valid, 16), 16, stored)
		if valid > 16 {
			packTransZ(&dst[16], &src[16*ld], ld, kc, valid-16, stored-16, stored)
		} else {
			packTransZ(&dst[16], &src[0], ld, kc, 0, stored-16, stored)
		}
		return
	}
	vLo, vHi := lanes16(valid), lanes16(valid-16)
	sLo, sHi := lanes16(stored), lanes16(stored-16)
	if gather {
		packGatherZ(&dst[0], &src[0], ld, kc, stored, vLo, vHi, sLo, sHi)
	} else {
		packCopyZ(&dst[0], &src[0], ld, kc, stored, vLo, vHi, sLo, sHi)
	}
}

// packAVX2 is packGeneric with ymm code (stored <= 16).
func packAVX2(gather bool, dst, src []float32, ld, kc, valid, stored int) {
	if !packFits(gather, dst, src, ld, kc, valid, stored, 16) {
		packGeneric(gather, dst, src, ld, kc, valid, stored)
		return
	}
	if gather && !packUseGather {
		// In-register transposes, 8 source rows at a time. packTransY stores short
		// rows 8 wide, overlapping the next row, so it is only used where rows are
		// exactly `lanes` apart or full (stored <= 8 or 16).
		if stored > 8 && stored != 16 {
			packGeneric(gather, dst, src, ld, kc, valid, stored)
			return
		}
		if stored <= 8 {
			packTransY(&dst[0], &src[0], ld, kc, valid, stored, stored)
			return
		}
		packTransY(&dst[0], &src[0], ld, kc, min(valid, 8), 8, stored)
		if valid > 8 {
			packTransY(&dst[8], &src[8*ld], ld, kc, valid-8, stored-8, stored)
		} else {
			packTransY(&dst[8], &src[0], ld, kc, 0, stored-8, stored)
		}
		return
	}
	vLo, vHi := min(valid, 8), max(valid-8, 0)
	sLo, sHi := min(stored, 8), max(stored-8, 0)
	if gather {
		packGatherY(&dst[0], &src[0], ld, kc, stored, vLo, vHi, sLo, sHi)
	} else {
		packCopyY(&dst[0], &src[0], ld, kc, stored, vLo, vHi, sLo, sHi)
	}
}

// packFits checks what the assembly assumes: the lanes fit the registers, the slices
// hold every element touched, and gather indices (lane*ld) fit in 32 bits.
func packFits(gather bool, dst, src []float32, ld, kc, valid, stored, maxLanes int) bool {
	if kc <= 0 || valid <= 0 || stored > maxLanes || valid > stored || len(dst) < kc*stored {
		return false
	}
	if gather {
		return len(src) >= (valid-1)*ld+kc && int64(maxLanes)*int64(ld) < 1<<31
	}
	return len(src) >= (kc-1)*ld+valid
}
