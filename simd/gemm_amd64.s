//go:build !purego

#include "textflag.h"

// GEMM micro-kernels. Both compute one full tile
//   C[0:MR, 0:NR] = alpha * sum_p A[p][0:MR] (x) B[p][0:NR] + beta * C
// from an A panel packed MR-tall (a[p*MR+i]) and a B panel packed NR-wide (b[p*NR+j]),
// holding the whole tile in registers: each k step loads one B row (NR floats) and
// broadcasts the MR A values of that step, one FMA per accumulator. With FMA latency 4 and
// two FMA pipes (Zen 4, Intel since Haswell), at least 8 independent accumulators are
// needed to keep both pipes busy; these kernels have 12 (ymm) and 28 (zmm). C is not read
// when beta == 0 (so NaNs there do not leak in), and -0 counts as 0.
//
// func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)
// func sgemmKernel14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)

// ---- AVX2 + FMA, 6x16: Y4..Y15 hold C (row i in Y(4+2i), Y(5+2i)), Y0/Y1 the B row,
// Y2/Y3 the broadcast A values (alternating, so consecutive broadcasts do not wait on
// each other's FMAs).
#define AVX2_ROW(aoff, bc, acc0, acc1) \
	VBROADCASTSS aoff(SI), bc; \
	VFMADD231PS  Y0, bc, acc0; \
	VFMADD231PS  Y1, bc, acc1

#define AVX2_STEP(aoff, boff) \
	VMOVUPS (boff)(DI), Y0; \
	VMOVUPS (boff+32)(DI), Y1; \
	PREFETCHT0 (boff+512)(DI); \
	AVX2_ROW((aoff), Y2, Y4, Y5); \
	AVX2_ROW((aoff+4), Y3, Y6, Y7); \
	AVX2_ROW((aoff+8), Y2, Y8, Y9); \
	AVX2_ROW((aoff+12), Y3, Y10, Y11); \
	AVX2_ROW((aoff+16), Y2, Y12, Y13); \
	AVX2_ROW((aoff+20), Y3, Y14, Y15)

// C row update: acc *= alpha; acc += beta*C (if beta != 0); store.
#define AVX2_STORE_BETA(acc0, acc1) \
	VMULPS      Y0, acc0, acc0; \
	VMULPS      Y0, acc1, acc1; \
	VFMADD231PS (DX), Y1, acc0; \
	VFMADD231PS 32(DX), Y1, acc1; \
	VMOVUPS     acc0, (DX); \
	VMOVUPS     acc1, 32(DX); \
	ADDQ        R8, DX

#define AVX2_STORE(acc0, acc1) \
	VMULPS  Y0, acc0, acc0; \
	VMULPS  Y0, acc1, acc1; \
	VMOVUPS acc0, (DX); \
	VMOVUPS acc1, 32(DX); \
	ADDQ    R8, DX

TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 32(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 32(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 32(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 32(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 32(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 32(AX)
	ADDQ R8, AX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

avx2loop4:
	CMPQ CX, $4
	JLT  avx2tail
	AVX2_STEP(0, 0)
	AVX2_STEP(24, 64)
	AVX2_STEP(48, 128)
	AVX2_STEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	SUBQ $4, CX
	JMP  avx2loop4

avx2tail:
	TESTQ CX, CX
	JZ    avx2store
	AVX2_STEP(0, 0)
	ADDQ  $24, SI
	ADDQ  $64, DI
	DECQ  CX
	JMP   avx2tail

avx2store:
	VBROADCASTSS alpha+40(FP), Y0
	VBROADCASTSS beta+44(FP), Y1
	MOVL         beta+44(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           avx2nobeta
	AVX2_STORE_BETA(Y4, Y5)
	AVX2_STORE_BETA(Y6, Y7)
	AVX2_STORE_BETA(Y8, Y9)
	AVX2_STORE_BETA(Y10, Y11)
	AVX2_STORE_BETA(Y12, Y13)
	AVX2_STORE_BETA(Y14, Y15)
	VZEROUPPER
	RET

avx2nobeta:
	AVX2_STORE(Y4, Y5)
	AVX2_STORE(Y6, Y7)
	AVX2_STORE(Y8, Y9)
	AVX2_STORE(Y10, Y11)
	AVX2_STORE(Y12, Y13)
	AVX2_STORE(Y14, Y15)
	VZEROUPPER
	RET

// ---- AVX-512, 14x32: Z4..Z31 hold C (row i in Z(4+2i), Z(5+2i)), Z0/Z1 the B row
// (32 floats), Z2/Z3 the broadcast A values. 28 accumulators: each k step is 28 zmm FMAs
// (Zen 4 runs a zmm FMA as two 256-bit halves, one per cycle) against 16 loads.
#define Z_ROW(aoff, bc, acc0, acc1) \
	VBROADCASTSS aoff(SI), bc; \
	VFMADD231PS  Z0, bc, acc0; \
	VFMADD231PS  Z1, bc, acc1

#define Z_STEP(aoff, boff) \
	VMOVUPS (boff)(DI), Z0; \
	VMOVUPS (boff+64)(DI), Z1; \
	PREFETCHT0 (boff+1024)(DI); \
	PREFETCHT0 (boff+1088)(DI); \
	Z_ROW((aoff), Z2, Z4, Z5); \
	Z_ROW((aoff+4), Z3, Z6, Z7); \
	Z_ROW((aoff+8), Z2, Z8, Z9); \
	Z_ROW((aoff+12), Z3, Z10, Z11); \
	Z_ROW((aoff+16), Z2, Z12, Z13); \
	Z_ROW((aoff+20), Z3, Z14, Z15); \
	Z_ROW((aoff+24), Z2, Z16, Z17); \
	Z_ROW((aoff+28), Z3, Z18, Z19); \
	Z_ROW((aoff+32), Z2, Z20, Z21); \
	Z_ROW((aoff+36), Z3, Z22, Z23); \
	Z_ROW((aoff+40), Z2, Z24, Z25); \
	Z_ROW((aoff+44), Z3, Z26, Z27); \
	Z_ROW((aoff+48), Z2, Z28, Z29); \
	Z_ROW((aoff+52), Z3, Z30, Z31)

#define Z_STORE_BETA(acc0, acc1) \
	VMULPS      Z0, acc0, acc0; \
	VMULPS      Z0, acc1, acc1; \
	VFMADD231PS (DX), Z1, acc0; \
	VFMADD231PS 64(DX), Z1, acc1; \
	VMOVUPS     acc0, (DX); \
	VMOVUPS     acc1, 64(DX); \
	ADDQ        R8, DX

#define Z_STORE(acc0, acc1) \
	VMULPS  Z0, acc0, acc0; \
	VMULPS  Z0, acc1, acc1; \
	VMOVUPS acc0, (DX); \
	VMOVUPS acc1, 64(DX); \
	ADDQ    R8, DX

TEXT ·sgemmKernel14x32AVX512(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

zloop2:
	CMPQ CX, $2
	JLT  ztail
	Z_STEP(0, 0)
	Z_STEP(56, 128)
	ADDQ $112, SI
	ADDQ $256, DI
	SUBQ $2, CX
	JMP  zloop2

ztail:
	TESTQ CX, CX
	JZ    zstore
	Z_STEP(0, 0)

zstore:
	VBROADCASTSS alpha+40(FP), Z0
	VBROADCASTSS beta+44(FP), Z1
	MOVL         beta+44(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           znobeta
	Z_STORE_BETA(Z4, Z5)
	Z_STORE_BETA(Z6, Z7)
	Z_STORE_BETA(Z8, Z9)
	Z_STORE_BETA(Z10, Z11)
	Z_STORE_BETA(Z12, Z13)
	Z_STORE_BETA(Z14, Z15)
	Z_STORE_BETA(Z16, Z17)
	Z_STORE_BETA(Z18, Z19)
	Z_STORE_BETA(Z20, Z21)
	Z_STORE_BETA(Z22, Z23)
	Z_STORE_BETA(Z24, Z25)
	Z_STORE_BETA(Z26, Z27)
	Z_STORE_BETA(Z28, Z29)
	Z_STORE_BETA(Z30, Z31)
	VZEROUPPER
	RET

znobeta:
	Z_STORE(Z4, Z5)
	Z_STORE(Z6, Z7)
	Z_STORE(Z8, Z9)
	Z_STORE(Z10, Z11)
	Z_STORE(Z12, Z13)
	Z_STORE(Z14, Z15)
	Z_STORE(Z16, Z17)
	Z_STORE(Z18, Z19)
	Z_STORE(Z20, Z21)
	Z_STORE(Z22, Z23)
	Z_STORE(Z24, Z25)
	Z_STORE(Z26, Z27)
	Z_STORE(Z28, Z29)
	Z_STORE(Z30, Z31)
	VZEROUPPER
	RET

// ---- AVX-512, 8 rows of a 14x32 panel: for the last A panel of a matrix when it holds
// at most 8 valid rows (M = 64 = 4*14 + 8, M = 128 = 9*14 + 2, ...), so that the zero
// padding rows are not multiplied. Reads the panel with its 14-float stride; Z4..Z19
// hold C rows 0..7.
#define Z8_STEP(aoff, boff) \
	VMOVUPS (boff)(DI), Z0; \
	VMOVUPS (boff+64)(DI), Z1; \
	PREFETCHT0 (boff+1024)(DI); \
	PREFETCHT0 (boff+1088)(DI); \
	Z_ROW((aoff), Z2, Z4, Z5); \
	Z_ROW((aoff+4), Z3, Z6, Z7); \
	Z_ROW((aoff+8), Z2, Z8, Z9); \
	Z_ROW((aoff+12), Z3, Z10, Z11); \
	Z_ROW((aoff+16), Z2, Z12, Z13); \
	Z_ROW((aoff+20), Z3, Z14, Z15); \
	Z_ROW((aoff+24), Z2, Z16, Z17); \
	Z_ROW((aoff+28), Z3, Z18, Z19)

// func sgemmKernel8of14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel8of14x32AVX512(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19

z8loop2:
	CMPQ CX, $2
	JLT  z8tail
	Z8_STEP(0, 0)
	Z8_STEP(56, 128)
	ADDQ $112, SI
	ADDQ $256, DI
	SUBQ $2, CX
	JMP  z8loop2

z8tail:
	TESTQ CX, CX
	JZ    z8store
	Z8_STEP(0, 0)

z8store:
	VBROADCASTSS alpha+40(FP), Z0
	VBROADCASTSS beta+44(FP), Z1
	MOVL         beta+44(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           z8nobeta
	Z_STORE_BETA(Z4, Z5)
	Z_STORE_BETA(Z6, Z7)
	Z_STORE_BETA(Z8, Z9)
	Z_STORE_BETA(Z10, Z11)
	Z_STORE_BETA(Z12, Z13)
	Z_STORE_BETA(Z14, Z15)
	Z_STORE_BETA(Z16, Z17)
	Z_STORE_BETA(Z18, Z19)
	VZEROUPPER
	RET

z8nobeta:
	Z_STORE(Z4, Z5)
	Z_STORE(Z6, Z7)
	Z_STORE(Z8, Z9)
	Z_STORE(Z10, Z11)
	Z_STORE(Z12, Z13)
	Z_STORE(Z14, Z15)
	Z_STORE(Z16, Z17)
	Z_STORE(Z18, Z19)
	VZEROUPPER
	RET

// Column-masked C updates for edge tiles: lanes of K1 (columns 0..15) and K2 (16..31)
// only, so a tile at the right edge of C is updated in place, without a scratch tile.
#define ZM_STORE_BETA(acc0, acc1) \
	VMULPS      Z0, acc0, acc0; \
	VMULPS      Z0, acc1, acc1; \
	VMOVUPS.Z   (DX), K1, Z2; \
	VMOVUPS.Z   64(DX), K2, Z3; \
	VFMADD231PS Z2, Z1, acc0; \
	VFMADD231PS Z3, Z1, acc1; \
	VMOVUPS     acc0, K1, (DX); \
	VMOVUPS     acc1, K2, 64(DX); \
	ADDQ        R8, DX

#define ZM_STORE(acc0, acc1) \
	VMULPS  Z0, acc0, acc0; \
	VMULPS  Z0, acc1, acc1; \
	VMOVUPS acc0, K1, (DX); \
	VMOVUPS acc1, K2, 64(DX); \
	ADDQ    R8, DX

// func sgemmKernel14x32MaskAVX512(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
TEXT ·sgemmKernel14x32MaskAVX512(SB), NOSPLIT, $0-52
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

zloop2m:
	CMPQ CX, $2
	JLT  ztailm
	Z_STEP(0, 0)
	Z_STEP(56, 128)
	ADDQ $112, SI
	ADDQ $256, DI
	SUBQ $2, CX
	JMP  zloop2m

ztailm:
	TESTQ CX, CX
	JZ    zstorem
	Z_STEP(0, 0)

zstorem:
	MOVL         mask+48(FP), BX
	KMOVW        BX, K1
	SHRL         $16, BX
	KMOVW        BX, K2
	VBROADCASTSS alpha+40(FP), Z0
	VBROADCASTSS beta+44(FP), Z1
	MOVL         beta+44(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           znobetam
	ZM_STORE_BETA(Z4, Z5)
	ZM_STORE_BETA(Z6, Z7)
	ZM_STORE_BETA(Z8, Z9)
	ZM_STORE_BETA(Z10, Z11)
	ZM_STORE_BETA(Z12, Z13)
	ZM_STORE_BETA(Z14, Z15)
	ZM_STORE_BETA(Z16, Z17)
	ZM_STORE_BETA(Z18, Z19)
	ZM_STORE_BETA(Z20, Z21)
	ZM_STORE_BETA(Z22, Z23)
	ZM_STORE_BETA(Z24, Z25)
	ZM_STORE_BETA(Z26, Z27)
	ZM_STORE_BETA(Z28, Z29)
	ZM_STORE_BETA(Z30, Z31)
	VZEROUPPER
	RET

znobetam:
	ZM_STORE(Z4, Z5)
	ZM_STORE(Z6, Z7)
	ZM_STORE(Z8, Z9)
	ZM_STORE(Z10, Z11)
	ZM_STORE(Z12, Z13)
	ZM_STORE(Z14, Z15)
	ZM_STORE(Z16, Z17)
	ZM_STORE(Z18, Z19)
	ZM_STORE(Z20, Z21)
	ZM_STORE(Z22, Z23)
	ZM_STORE(Z24, Z25)
	ZM_STORE(Z26, Z27)
	ZM_STORE(Z28, Z29)
	ZM_STORE(Z30, Z31)
	VZEROUPPER
	RET

// func sgemmKernel8of14x32MaskAVX512(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
TEXT ·sgemmKernel8of14x32MaskAVX512(SB), NOSPLIT, $0-52
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	ADDQ R8, AX
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19

z8loop2m:
	CMPQ CX, $2
	JLT  z8tailm
	Z8_STEP(0, 0)
	Z8_STEP(56, 128)
	ADDQ $112, SI
	ADDQ $256, DI
	SUBQ $2, CX
	JMP  z8loop2m

z8tailm:
	TESTQ CX, CX
	JZ    z8storem
	Z8_STEP(0, 0)

z8storem:
	MOVL         mask+48(FP), BX
	KMOVW        BX, K1
	SHRL         $16, BX
	KMOVW        BX, K2
	VBROADCASTSS alpha+40(FP), Z0
	VBROADCASTSS beta+44(FP), Z1
	MOVL         beta+44(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           z8nobetam
	ZM_STORE_BETA(Z4, Z5)
	ZM_STORE_BETA(Z6, Z7)
	ZM_STORE_BETA(Z8, Z9)
	ZM_STORE_BETA(Z10, Z11)
	ZM_STORE_BETA(Z12, Z13)
	ZM_STORE_BETA(Z14, Z15)
	ZM_STORE_BETA(Z16, Z17)
	ZM_STORE_BETA(Z18, Z19)
	VZEROUPPER
	RET

z8nobetam:
	ZM_STORE(Z4, Z5)
	ZM_STORE(Z6, Z7)
	ZM_STORE(Z8, Z9)
	ZM_STORE(Z10, Z11)
	ZM_STORE(Z12, Z13)
	ZM_STORE(Z14, Z15)
	ZM_STORE(Z16, Z17)
	ZM_STORE(Z18, Z19)
	VZEROUPPER
	RET

