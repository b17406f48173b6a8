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

// func packTransZ(dst, src *float32, ld, kc, valid, lanes, dstStride int)
//
// The transposing pack with an in-register 16x16 transpose: for each block of 16
// columns q, load up to 16 rows (src[i*ld + q], i < valid; rows past valid are zero),
// transpose, and store output row q (dst[q*dstStride + i], i < lanes) with a masked
// store. Columns past kc are neither read nor written. valid <= lanes <= 16.
// 64 shuffles per 256 elements, against a gather per output row (microcoded on Zen 4).
TEXT ·packTransZ(SB), NOSPLIT, $0-56
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), R8
	SHLQ  $2, R8
	MOVQ  kc+24(FP), R9
	MOVQ  valid+32(FP), R10
	MOVQ  lanes+40(FP), CX
	MOVL  $1, BX
	SHLL  CX, BX
	DECL  BX
	KMOVW BX, K2
	MOVQ  dstStride+48(FP), R11
	SHLQ  $2, R11

ptloop:
	TESTQ R9, R9
	JZ    ptdone
	MOVQ  R9, CX
	CMPQ  CX, $16
	JLE   ptcols
	MOVQ  $16, CX

ptcols:
	MOVQ  CX, R12
	MOVL  $1, BX
	SHLL  CX, BX
	DECL  BX
	KMOVW BX, K1
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	MOVQ SI, DX
	CMPQ R10, $1
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z0
	ADDQ R8, DX
	CMPQ R10, $2
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z1
	ADDQ R8, DX
	CMPQ R10, $3
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z2
	ADDQ R8, DX
	CMPQ R10, $4
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z3
	ADDQ R8, DX
	CMPQ R10, $5
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z4
	ADDQ R8, DX
	CMPQ R10, $6
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z5
	ADDQ R8, DX
	CMPQ R10, $7
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z6
	ADDQ R8, DX
	CMPQ R10, $8
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z7
	ADDQ R8, DX
	CMPQ R10, $9
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z8
	ADDQ R8, DX
	CMPQ R10, $10
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z9
	ADDQ R8, DX
	CMPQ R10, $11
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z10
	ADDQ R8, DX
	CMPQ R10, $12
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z11
	ADDQ R8, DX
	CMPQ R10, $13
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z12
	ADDQ R8, DX
	CMPQ R10, $14
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z13
	ADDQ R8, DX
	CMPQ R10, $15
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z14
	ADDQ R8, DX
	CMPQ R10, $16
	JLT  ptloaded
	VMOVUPS.Z (DX), K1, Z15

ptloaded:
	VUNPCKLPS Z1, Z0, Z16
	VUNPCKHPS Z1, Z0, Z17
	VUNPCKLPS Z3, Z2, Z18
	VUNPCKHPS Z3, Z2, Z19
	VUNPCKLPS Z5, Z4, Z20
	VUNPCKHPS Z5, Z4, Z21
	VUNPCKLPS Z7, Z6, Z22
	VUNPCKHPS Z7, Z6, Z23
	VUNPCKLPS Z9, Z8, Z24
	VUNPCKHPS Z9, Z8, Z25
	VUNPCKLPS Z11, Z10, Z26
	VUNPCKHPS Z11, Z10, Z27
	VUNPCKLPS Z13, Z12, Z28
	VUNPCKHPS Z13, Z12, Z29
	VUNPCKLPS Z15, Z14, Z30
	VUNPCKHPS Z15, Z14, Z31
	VSHUFPS $0x44, Z18, Z16, Z0
	VSHUFPS $0xEE, Z18, Z16, Z1
	VSHUFPS $0x44, Z19, Z17, Z2
	VSHUFPS $0xEE, Z19, Z17, Z3
	VSHUFPS $0x44, Z22, Z20, Z4
	VSHUFPS $0xEE, Z22, Z20, Z5
	VSHUFPS $0x44, Z23, Z21, Z6
	VSHUFPS $0xEE, Z23, Z21, Z7
	VSHUFPS $0x44, Z26, Z24, Z8
	VSHUFPS $0xEE, Z26, Z24, Z9
	VSHUFPS $0x44, Z27, Z25, Z10
	VSHUFPS $0xEE, Z27, Z25, Z11
	VSHUFPS $0x44, Z30, Z28, Z12
	VSHUFPS $0xEE, Z30, Z28, Z13
	VSHUFPS $0x44, Z31, Z29, Z14
	VSHUFPS $0xEE, Z31, Z29, Z15
	VSHUFF32X4 $0x88, Z4, Z0, Z16
	VSHUFF32X4 $0x88, Z5, Z1, Z17
	VSHUFF32X4 $0x88, Z6, Z2, Z18
	VSHUFF32X4 $0x88, Z7, Z3, Z19
	VSHUFF32X4 $0xDD, Z4, Z0, Z20
	VSHUFF32X4 $0xDD, Z5, Z1, Z21
	VSHUFF32X4 $0xDD, Z6, Z2, Z22
	VSHUFF32X4 $0xDD, Z7, Z3, Z23
	VSHUFF32X4 $0x88, Z12, Z8, Z24
	VSHUFF32X4 $0x88, Z13, Z9, Z25
	VSHUFF32X4 $0x88, Z14, Z10, Z26
	VSHUFF32X4 $0x88, Z15, Z11, Z27
	VSHUFF32X4 $0xDD, Z12, Z8, Z28
	VSHUFF32X4 $0xDD, Z13, Z9, Z29
	VSHUFF32X4 $0xDD, Z14, Z10, Z30
	VSHUFF32X4 $0xDD, Z15, Z11, Z31
	VSHUFF32X4 $0x88, Z24, Z16, Z0
	VSHUFF32X4 $0x88, Z25, Z17, Z1
	VSHUFF32X4 $0x88, Z26, Z18, Z2
	VSHUFF32X4 $0x88, Z27, Z19, Z3
	VSHUFF32X4 $0x88, Z28, Z20, Z4
	VSHUFF32X4 $0x88, Z29, Z21, Z5
	VSHUFF32X4 $0x88, Z30, Z22, Z6
	VSHUFF32X4 $0x88, Z31, Z23, Z7
	VSHUFF32X4 $0xDD, Z24, Z16, Z8
	VSHUFF32X4 $0xDD, Z25, Z17, Z9
	VSHUFF32X4 $0xDD, Z26, Z18, Z10
	VSHUFF32X4 $0xDD, Z27, Z19, Z11
	VSHUFF32X4 $0xDD, Z28, Z20, Z12
	VSHUFF32X4 $0xDD, Z29, Z21, Z13
	VSHUFF32X4 $0xDD, Z30, Z22, Z14
	VSHUFF32X4 $0xDD, Z31, Z23, Z15
	MOVQ DI, DX
	VMOVUPS Z0, K2, (DX)
	CMPQ R12, $2
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z1, K2, (DX)
	CMPQ R12, $3
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z2, K2, (DX)
	CMPQ R12, $4
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z3, K2, (DX)
	CMPQ R12, $5
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z4, K2, (DX)
	CMPQ R12, $6
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z5, K2, (DX)
	CMPQ R12, $7
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z6, K2, (DX)
	CMPQ R12, $8
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z7, K2, (DX)
	CMPQ R12, $9
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z8, K2, (DX)
	CMPQ R12, $10
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z9, K2, (DX)
	CMPQ R12, $11
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z10, K2, (DX)
	CMPQ R12, $12
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z11, K2, (DX)
	CMPQ R12, $13
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z12, K2, (DX)
	CMPQ R12, $14
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z13, K2, (DX)
	CMPQ R12, $15
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z14, K2, (DX)
	CMPQ R12, $16
	JLT  ptstored
	ADDQ R11, DX
	VMOVUPS Z15, K2, (DX)

ptstored:
	ADDQ $64, SI
	MOVQ R11, AX
	SHLQ $4, AX
	ADDQ AX, DI
	SUBQ R12, R9
	JMP  ptloop

ptdone:
	VZEROUPPER
	RET

// func packRowsZ(dst, src *float32, ld, kc, npanels, panelStride int)
//
// Packs npanels full 32-wide B panels at once, row by row: each source row segment of
// npanels*32 floats is read contiguously and scattered to the panels (panelStride floats
// apart). Reading one 128-byte piece per row and panel instead (packCopyZ) touches a new
// page per row when rows are far apart, and the prefetchers do not follow. The rows
// four ahead are prefetched (the source is usually an im2col buffer fresh from memory).
TEXT ·packRowsZ(SB), NOSPLIT, $0-48
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), R8
	SHLQ  $2, R8
	MOVQ  kc+24(FP), CX
	MOVQ  npanels+32(FP), R9
	MOVQ  panelStride+40(FP), R10
	SHLQ  $2, R10
	TESTQ CX, CX
	JZ    prdone
	TESTQ R9, R9
	JZ    prdone

prrow:
	MOVQ SI, AX
	MOVQ DI, DX
	MOVQ R9, BX

prpanel:
	PREFETCHT0 (AX)(R8*4)
	PREFETCHT0 64(AX)(R8*4)
	VMOVUPS    (AX), Z0
	VMOVUPS    64(AX), Z1
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ    $128, AX
	ADDQ    R10, DX
	DECQ    BX
	JNZ     prpanel
	ADDQ    R8, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     prrow

prdone:
	VZEROUPPER
	RET

// AVX2 version of packTransZ: 8 source rows at a time, 8x8 in-register transposes.
// Tail columns (kc % 8) and lanes < 8 use VMASKMOVPS with masks from ymasktab.
DATA ymasktab<>+0(SB)/4, $0xffffffff
DATA ymasktab<>+4(SB)/4, $0xffffffff
DATA ymasktab<>+8(SB)/4, $0xffffffff
DATA ymasktab<>+12(SB)/4, $0xffffffff
DATA ymasktab<>+16(SB)/4, $0xffffffff
DATA ymasktab<>+20(SB)/4, $0xffffffff
DATA ymasktab<>+24(SB)/4, $0xffffffff
DATA ymasktab<>+28(SB)/4, $0xffffffff
DATA ymasktab<>+32(SB)/4, $0x00000000
DATA ymasktab<>+36(SB)/4, $0x00000000
DATA ymasktab<>+40(SB)/4, $0x00000000
DATA ymasktab<>+44(SB)/4, $0x00000000
DATA ymasktab<>+48(SB)/4, $0x00000000
DATA ymasktab<>+52(SB)/4, $0x00000000
DATA ymasktab<>+56(SB)/4, $0x00000000
DATA ymasktab<>+60(SB)/4, $0x00000000
GLOBL ymasktab<>(SB), RODATA|NOPTR, $64

// func packTransY(dst, src *float32, ld, kc, valid, lanes, dstStride int)
//
// Plain loads and stores wherever possible (VMASKMOVPS is slow on AMD): masked loads only
// for a tail block of fewer than 8 columns, and with lanes < 8 each output row is stored
// 8 wide (its extra lanes are overwritten by the next row, which is stored after it),
// except the last row of the call, which uses a masked store so nothing past the panel
// is written.
TEXT ·packTransY(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ kc+24(FP), R9
	MOVQ valid+32(FP), R10
	MOVQ dstStride+48(FP), R11
	SHLQ $2, R11
	MOVQ lanes+40(FP), R14
	// R13 = address of the lane mask (lanes leading ones)
	LEAQ ymasktab<>+32(SB), R13
	MOVQ R14, AX
	SHLQ $2, AX
	SUBQ AX, R13

ytloop:
	TESTQ R9, R9
	JZ    ytdone
	MOVQ  R9, CX
	CMPQ  CX, $8
	JLE   ytcols
	MOVQ  $8, CX

ytcols:
	MOVQ CX, R12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ SI, DX
	CMPQ R12, $8
	JLT  ytmasked
	CMPQ R10, $1
	JLT  ytloaded
	VMOVUPS (DX), Y0
	ADDQ R8, DX
	CMPQ R10, $2
	JLT  ytloaded
	VMOVUPS (DX), Y1
	ADDQ R8, DX
	CMPQ R10, $3
	JLT  ytloaded
	VMOVUPS (DX), Y2
	ADDQ R8, DX
	CMPQ R10, $4
	JLT  ytloaded
	VMOVUPS (DX), Y3
	ADDQ R8, DX
	CMPQ R10, $5
	JLT  ytloaded
	VMOVUPS (DX), Y4
	ADDQ R8, DX
	CMPQ R10, $6
	JLT  ytloaded
	VMOVUPS (DX), Y5
	ADDQ R8, DX
	CMPQ R10, $7
	JLT  ytloaded
	VMOVUPS (DX), Y6
	ADDQ R8, DX
	CMPQ R10, $8
	JLT  ytloaded
	VMOVUPS (DX), Y7
	JMP ytloaded

ytmasked:
	LEAQ    ymasktab<>+32(SB), AX
	MOVQ    R12, BX
	SHLQ    $2, BX
	SUBQ    BX, AX
	VMOVDQU (AX), Y15
	CMPQ R10, $1
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y0
	ADDQ R8, DX
	CMPQ R10, $2
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y1
	ADDQ R8, DX
	CMPQ R10, $3
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y2
	ADDQ R8, DX
	CMPQ R10, $4
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y3
	ADDQ R8, DX
	CMPQ R10, $5
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y4
	ADDQ R8, DX
	CMPQ R10, $6
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y5
	ADDQ R8, DX
	CMPQ R10, $7
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y6
	ADDQ R8, DX
	CMPQ R10, $8
	JLT  ytloaded
	VMASKMOVPS (DX), Y15, Y7

ytloaded:
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVDQU (R13), Y0
	MOVQ DI, DX
	CMPQ R14, $8
	JEQ  ytplain0
	CMPQ R9, $1
	JNE  ytplain0
	VMASKMOVPS Y8, Y0, (DX)
	JMP  ytstored
ytplain0:
	VMOVUPS Y8, (DX)
	CMPQ R12, $2
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain1
	CMPQ R9, $2
	JNE  ytplain1
	VMASKMOVPS Y9, Y0, (DX)
	JMP  ytstored
ytplain1:
	VMOVUPS Y9, (DX)
	CMPQ R12, $3
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain2
	CMPQ R9, $3
	JNE  ytplain2
	VMASKMOVPS Y10, Y0, (DX)
	JMP  ytstored
ytplain2:
	VMOVUPS Y10, (DX)
	CMPQ R12, $4
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain3
	CMPQ R9, $4
	JNE  ytplain3
	VMASKMOVPS Y11, Y0, (DX)
	JMP  ytstored
ytplain3:
	VMOVUPS Y11, (DX)
	CMPQ R12, $5
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain4
	CMPQ R9, $5
	JNE  ytplain4
	VMASKMOVPS Y12, Y0, (DX)
	JMP  ytstored
ytplain4:
	VMOVUPS Y12, (DX)
	CMPQ R12, $6
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain5
	CMPQ R9, $6
	JNE  ytplain5
	VMASKMOVPS Y13, Y0, (DX)
	JMP  ytstored
ytplain5:
	VMOVUPS Y13, (DX)
	CMPQ R12, $7
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain6
	CMPQ R9, $7
	JNE  ytplain6
	VMASKMOVPS Y14, Y0, (DX)
	JMP  ytstored
ytplain6:
	VMOVUPS Y14, (DX)
	CMPQ R12, $8
	JLT  ytstored
	ADDQ R11, DX
	CMPQ R14, $8
	JEQ  ytplain7
	CMPQ R9, $8
	JNE  ytplain7
	VMASKMOVPS Y15, Y0, (DX)
	JMP  ytstored
ytplain7:
	VMOVUPS Y15, (DX)

ytstored:
	ADDQ $32, SI
	MOVQ R11, AX
	SHLQ $3, AX
	ADDQ AX, DI
	SUBQ R12, R9
	JMP  ytloop

ytdone:
	VZEROUPPER
	RET
