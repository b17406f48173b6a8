//go:build !purego

#include "textflag.h"

// Packing routines for the GEMM driver. Both move kc rows of up to 32 (zmm) or 16 (ymm)
// floats into a packed panel whose rows are dstStride floats apart:
//
//   packCopy:   dst[q*dstStride + l] = src[q*ld + l]   (a row of the source is contiguous)
//   packGather: dst[q*dstStride + l] = src[l*ld + q]   (the transpose: one gather per row)
//
// for lanes l < valid, and zero for valid <= l < stored. Lanes are split in a low and a
// high half (16 each for zmm, 8 for ymm); the masks/counts of each half come from Go.
// The transposing case is what packing a non-transposed A (or a transposed B) needs; a
// gather with 32-bit indices per row replaces a scalar loop with bounds checks.

DATA iota32<>+0(SB)/4, $0
DATA iota32<>+4(SB)/4, $1
DATA iota32<>+8(SB)/4, $2
DATA iota32<>+12(SB)/4, $3
DATA iota32<>+16(SB)/4, $4
DATA iota32<>+20(SB)/4, $5
DATA iota32<>+24(SB)/4, $6
DATA iota32<>+28(SB)/4, $7
DATA iota32<>+32(SB)/4, $8
DATA iota32<>+36(SB)/4, $9
DATA iota32<>+40(SB)/4, $10
DATA iota32<>+44(SB)/4, $11
DATA iota32<>+48(SB)/4, $12
DATA iota32<>+52(SB)/4, $13
DATA iota32<>+56(SB)/4, $14
DATA iota32<>+60(SB)/4, $15
GLOBL iota32<>(SB), RODATA|NOPTR, $64

// func packCopyZ(dst, src *float32, ld, kc, dstStride int, validLo, validHi, storedLo, storedHi uint16)
TEXT ·packCopyZ(SB), NOSPLIT, $0-48
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), AX
	SHLQ  $2, AX
	MOVQ  kc+24(FP), CX
	MOVQ  dstStride+32(FP), R8
	SHLQ  $2, R8
	KMOVW validLo+40(FP), K1
	KMOVW validHi+42(FP), K2
	KMOVW storedLo+44(FP), K3
	KMOVW storedHi+46(FP), K4
	MOVWLZX storedHi+46(FP), BX
	TESTQ CX, CX
	JZ    zcopydone
	TESTL BX, BX
	JZ    zcopy1

zcopy2:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS   Z0, K3, (DI)
	VMOVUPS   Z1, K4, 64(DI)
	ADDQ      AX, SI
	ADDQ      R8, DI
	DECQ      CX
	JNZ       zcopy2
	JMP       zcopydone

zcopy1:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS   Z0, K3, (DI)
	ADDQ      AX, SI
	ADDQ      R8, DI
	DECQ      CX
	JNZ       zcopy1

zcopydone:
	VZEROUPPER
	RET

// func packGatherZ(dst, src *float32, ld, kc, dstStride int, validLo, validHi, storedLo, storedHi uint16)
// Requires 31*ld < 2^31 (32-bit gather indices).
TEXT ·packGatherZ(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         ld+16(FP), AX
	MOVQ         kc+24(FP), CX
	MOVQ         dstStride+32(FP), R8
	SHLQ         $2, R8
	KMOVW        validLo+40(FP), K1
	KMOVW        validHi+42(FP), K2
	KMOVW        storedLo+44(FP), K3
	KMOVW        storedHi+46(FP), K4
	MOVWLZX      storedHi+46(FP), BX
	VPBROADCASTD AX, Z4
	VMOVDQU32    iota32<>(SB), Z2
	VPMULLD      Z4, Z2, Z2  // Z2 = l*ld, l = 0..15
	VPSLLD       $4, Z4, Z5  // 16*ld
	VPADDD       Z5, Z2, Z3  // Z3 = (l+16)*ld
	TESTQ        CX, CX
	JZ           zgdone
	TESTL        BX, BX
	JZ           zgather1

zgather2:
	KMOVW      K1, K5
	KMOVW      K2, K6
	VPXORD     Z0, Z0, Z0
	VPXORD     Z1, Z1, Z1
	VGATHERDPS (SI)(Z2*4), K5, Z0
	VGATHERDPS (SI)(Z3*4), K6, Z1
	VMOVUPS    Z0, K3, (DI)
	VMOVUPS    Z1, K4, 64(DI)
	ADDQ       $4, SI
	ADDQ       R8, DI
	DECQ       CX
	JNZ        zgather2
	JMP        zgdone

zgather1:
	KMOVW      K1, K5
	VPXORD     Z0, Z0, Z0
	VGATHERDPS (SI)(Z2*4), K5, Z0
	VMOVUPS    Z0, K3, (DI)
	ADDQ       $4, SI
	ADDQ       R8, DI
	DECQ       CX
	JNZ        zgather1

zgdone:
	VZEROUPPER
	RET

// AVX2 versions: 8-lane halves, masks built from the lane counts.
#define YMASK(n, dst) \
	MOVL         n, BX; \
	VMOVD        BX, X7; \
	VPBROADCASTD X7, Y7; \
	VPCMPGTD     Y6, Y7, dst // dst = n > iota

// func packCopyY(dst, src *float32, ld, kc, dstStride, validLo, validHi, storedLo, storedHi int)
TEXT ·packCopyY(SB), NOSPLIT, $0-72
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	MOVQ    ld+16(FP), AX
	SHLQ    $2, AX
	MOVQ    kc+24(FP), CX
	MOVQ    dstStride+32(FP), R8
	SHLQ    $2, R8
	VMOVDQU iota32<>(SB), Y6
	YMASK(validLo+40(FP), Y8)
	YMASK(validHi+48(FP), Y9)
	YMASK(storedLo+56(FP), Y10)
	YMASK(storedHi+64(FP), Y11)
	MOVQ    storedHi+64(FP), BX
	TESTQ   CX, CX
	JZ      ycopydone
	TESTQ   BX, BX
	JZ      ycopy1

ycopy2:
	VMASKMOVPS (SI), Y8, Y0
	VMASKMOVPS 32(SI), Y9, Y1
	VMASKMOVPS Y0, Y10, (DI)
	VMASKMOVPS Y1, Y11, 32(DI)
	ADDQ       AX, SI
	ADDQ       R8, DI
	DECQ       CX
	JNZ        ycopy2
	JMP        ycopydone

ycopy1:
	VMASKMOVPS (SI), Y8, Y0
	VMASKMOVPS Y0, Y10, (DI)
	ADDQ       AX, SI
	ADDQ       R8, DI
	DECQ       CX
	JNZ        ycopy1

ycopydone:
	VZEROUPPER
	RET

// func packGatherY(dst, src *float32, ld, kc, dstStride, validLo, validHi, storedLo, storedHi int)
// Requires 15*ld < 2^31.
TEXT ·packGatherY(SB), NOSPLIT, $0-72
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         ld+16(FP), AX
	MOVQ         kc+24(FP), CX
	MOVQ         dstStride+32(FP), R8
	SHLQ         $2, R8
	VMOVDQU      iota32<>(SB), Y6
	YMASK(validLo+40(FP), Y8)
	YMASK(validHi+48(FP), Y9)
	YMASK(storedLo+56(FP), Y10)
	YMASK(storedHi+64(FP), Y11)
	VMOVD        AX, X4
	VPBROADCASTD X4, Y4
	VPMULLD      Y4, Y6, Y2  // Y2 = l*ld, l = 0..7
	VPSLLD       $3, Y4, Y5  // 8*ld
	VPADDD       Y5, Y2, Y3  // Y3 = (l+8)*ld
	MOVQ         storedHi+64(FP), BX
	TESTQ        CX, CX
	JZ           ygdone
	TESTQ        BX, BX
	JZ           ygather1

ygather2:
	VMOVDQU    Y8, Y12
	VMOVDQU    Y9, Y13
	VPXOR      Y0, Y0, Y0
	VPXOR      Y1, Y1, Y1
	VGATHERDPS Y12, (SI)(Y2*4), Y0
	VGATHERDPS Y13, (SI)(Y3*4), Y1
	VMASKMOVPS Y0, Y10, (DI)
	VMASKMOVPS Y1, Y11, 32(DI)
	ADDQ       $4, SI
	ADDQ       R8, DI
	DECQ       CX
	JNZ        ygather2
	JMP        ygdone

ygather1:
	VMOVDQU    Y8, Y12
	VPXOR      Y0, Y0, Y0
	VGATHERDPS Y12, (SI)(Y2*4), Y0
	VMASKMOVPS Y0, Y10, (DI)
	ADDQ       $4, SI
	ADDQ       R8, DI
	DECQ       CX
	JNZ        ygather1

ygdone:
	VZEROUPPER
	RET
