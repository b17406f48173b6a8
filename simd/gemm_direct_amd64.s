//go:build !purego

#include "textflag.h"

// 14x32 GEMM micro-kernel that reads B in place: row p of the B panel is the 32 floats
// at b + p*ldb (a row-major matrix and its row stride) instead of b + p*32 (a packed
// panel), so the 1x1 convolutions, whose B is the activation [Cin, H*W] with H*W huge,
// need not copy B before the product. Optionally it also writes the rows it reads to a
// packed panel bp (bp[p*32+j]), so the next A panels of the same B columns can use the
// packed kernel: that copy costs two stores per k step next to 28 FMAs, where a separate
// pass would read B from memory once more. Otherwise the same as sgemmKernel14x32AVX512
// (gemm_amd64.s): Z4..Z31 hold C, Z0/Z1 the B row, Z2/Z3 the broadcast A values; C is
// not read when beta == 0 (-0 included).
//
// func sgemmKernel14x32DirectAVX512(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, bp *float32)

#define D_ROW(aoff, bc, acc0, acc1) \
	VBROADCASTSS aoff(SI), bc; \
	VFMADD231PS  Z0, bc, acc0; \
	VFMADD231PS  Z1, bc, acc1
#define D_FMAS(aoff) \
	D_ROW((aoff+0), Z2, Z4, Z5); \
	D_ROW((aoff+4), Z3, Z6, Z7); \
	D_ROW((aoff+8), Z2, Z8, Z9); \
	D_ROW((aoff+12), Z3, Z10, Z11); \
	D_ROW((aoff+16), Z2, Z12, Z13); \
	D_ROW((aoff+20), Z3, Z14, Z15); \
	D_ROW((aoff+24), Z2, Z16, Z17); \
	D_ROW((aoff+28), Z3, Z18, Z19); \
	D_ROW((aoff+32), Z2, Z20, Z21); \
	D_ROW((aoff+36), Z3, Z22, Z23); \
	D_ROW((aoff+40), Z2, Z24, Z25); \
	D_ROW((aoff+44), Z3, Z26, Z27); \
	D_ROW((aoff+48), Z2, Z28, Z29); \
	D_ROW((aoff+52), Z3, Z30, Z31)

// One k step: load B row p, step DI to the next row, and prefetch row p of the panel
// two panels on (256 bytes on) into L2. No prefetch of rows further down the same
// panel: with the power-of-two row strides of HALO's maps (16 KiB and up) all rows of a
// panel fall into the same two L1 sets, and rows prefetched ahead only evict the ones in
// use (measured on Zen 4 with B in L3: 83-90 GFLOP/s without, 60-72 with rows 1..16
// ahead). Along the row the driver walks panel after panel (A panel 0 over a group of
// panels), so the next panels' rows are what comes next. At stage-1 shapes (B from
// memory) the direct path ran 0.89-1.08x the packed one without this prefetch and
// 1.14-1.37x with it.
#define D_LOAD \
	VMOVUPS    (DI), Z0; \
	VMOVUPS    64(DI), Z1; \
	PREFETCHT1 256(DI); \
	PREFETCHT1 320(DI); \
	ADDQ       R9, DI

#define D_COPY \
	VMOVUPS Z0, (BX); \
	VMOVUPS Z1, 64(BX); \
	ADDQ    $128, BX

#define D_STORE_BETA(acc0, acc1) \
	VMULPS      Z0, acc0, acc0; \
	VMULPS      Z0, acc1, acc1; \
	VFMADD231PS (DX), Z1, acc0; \
	VFMADD231PS 64(DX), Z1, acc1; \
	VMOVUPS     acc0, (DX); \
	VMOVUPS     acc1, 64(DX); \
	ADDQ        R8, DX

#define D_STORE(acc0, acc1) \
	VMULPS  Z0, acc0, acc0; \
	VMULPS  Z0, acc1, acc1; \
	VMOVUPS acc0, (DX); \
	VMOVUPS acc1, 64(DX); \
	ADDQ    R8, DX

TEXT ·sgemmKernel14x32DirectAVX512(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ bp+56(FP), BX
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
	TESTQ BX, BX
	JNZ   dcopy2

dloop2:
	CMPQ CX, $2
	JLT  dtail
	D_LOAD
	D_FMAS(0)
	D_LOAD
	D_FMAS(56)
	ADDQ $112, SI
	SUBQ $2, CX
	JMP  dloop2

dtail:
	TESTQ CX, CX
	JZ    dstore
	D_LOAD
	D_FMAS(0)
	JMP   dstore

dcopy2:
	CMPQ CX, $2
	JLT  dcopytail
	D_LOAD
	D_COPY
	D_FMAS(0)
	D_LOAD
	D_COPY
	D_FMAS(56)
	ADDQ $112, SI
	SUBQ $2, CX
	JMP  dcopy2

dcopytail:
	TESTQ CX, CX
	JZ    dstore
	D_LOAD
	D_COPY
	D_FMAS(0)

dstore:
	VBROADCASTSS alpha+48(FP), Z0
	VBROADCASTSS beta+52(FP), Z1
	MOVL         beta+52(FP), AX
	ANDL         $0x7fffffff, AX
	JZ           dnobeta
	D_STORE_BETA(Z4, Z5)
	D_STORE_BETA(Z6, Z7)
	D_STORE_BETA(Z8, Z9)
	D_STORE_BETA(Z10, Z11)
	D_STORE_BETA(Z12, Z13)
	D_STORE_BETA(Z14, Z15)
	D_STORE_BETA(Z16, Z17)
	D_STORE_BETA(Z18, Z19)
	D_STORE_BETA(Z20, Z21)
	D_STORE_BETA(Z22, Z23)
	D_STORE_BETA(Z24, Z25)
	D_STORE_BETA(Z26, Z27)
	D_STORE_BETA(Z28, Z29)
	D_STORE_BETA(Z30, Z31)
	VZEROUPPER
	RET

dnobeta:
	D_STORE(Z4, Z5)
	D_STORE(Z6, Z7)
	D_STORE(Z8, Z9)
	D_STORE(Z10, Z11)
	D_STORE(Z12, Z13)
	D_STORE(Z14, Z15)
	D_STORE(Z16, Z17)
	D_STORE(Z18, Z19)
	D_STORE(Z20, Z21)
	D_STORE(Z22, Z23)
	D_STORE(Z24, Z25)
	D_STORE(Z26, Z27)
	D_STORE(Z28, Z29)
	D_STORE(Z30, Z31)
	VZEROUPPER
	RET
