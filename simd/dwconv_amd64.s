//go:build !purego

#include "textflag.h"

// Depthwise (single-channel) stride-1 correlation kernels, AVX-512 (zmm) and AVX2 (ymm).
// Both take a *dwArgs (dwconv_generic.go; offsets below) and walk rows of a padded plane:
//
//   dwRows: dst[r, x] = (accum ? dst[r, x] : bias) + sum_{ky,kx} w[ky*kw+kx] * src[r + ky*dilH, x + kx*dilW]
//   dwGrad: acc[(ky*kw+kx)*32 + lane] += sum over r and x == lane (mod vector width) of
//           g[r, x] * src[r + ky*dilH, x + kx*dilW]
//
// The row is cut into blocks of 8 vectors, then at most one of 4, then single vectors,
// then one masked vector (opmask K1 / VMASKMOVPS): masked lanes are neither read nor
// written, so nothing past a row's n values (or past the plane) is touched. dwRows keeps
// a block's outputs in registers for all taps, each tap one broadcast weight and one FMA
// per vector with the input as a memory operand. dwGrad keeps a block of g in registers
// and, per tap, adds its products into one of that tap's two accumulator vectors in acc
// (lanes 0-15 and 16-31, alternating block by block, R14 = 0 or 64 bytes): a tap's next
// read of an accumulator then comes two blocks after its write, not one, which keeps
// the store-to-load chain off the critical path for small filters.
//
// dwArgs: dst 0, src 8, w 16, n 24, rows 32, dstStride 40 (bytes), srcStride 48 (bytes),
// kh 56, kw 64, dilH 72 (bytes: rows apart * srcStride), dilW 80 (bytes), bias 88 (float32),
// accum 92 (int32). dwGrad: dst = acc, w = g, dstStride = g's row stride.
//
// Registers: AX args, DI dst (g) row, SI src row, R13 rows left, BX byte offset in the row,
// CX values left in the row, R8 weight (acc) pointer, R9 src row of tap row ky, R10/R11 ky/kx
// counters, R12 tap address, DX dilW, R14 dwGrad's accumulator half.

// dwmask: 8 x all-ones then 8 x zero; dwmask+32-4n holds n leading set lanes.
DATA dwmask<>+0(SB)/4, $0xffffffff
DATA dwmask<>+4(SB)/4, $0xffffffff
DATA dwmask<>+8(SB)/4, $0xffffffff
DATA dwmask<>+12(SB)/4, $0xffffffff
DATA dwmask<>+16(SB)/4, $0xffffffff
DATA dwmask<>+20(SB)/4, $0xffffffff
DATA dwmask<>+24(SB)/4, $0xffffffff
DATA dwmask<>+28(SB)/4, $0xffffffff
DATA dwmask<>+32(SB)/4, $0x00000000
DATA dwmask<>+36(SB)/4, $0x00000000
DATA dwmask<>+40(SB)/4, $0x00000000
DATA dwmask<>+44(SB)/4, $0x00000000
DATA dwmask<>+48(SB)/4, $0x00000000
DATA dwmask<>+52(SB)/4, $0x00000000
DATA dwmask<>+56(SB)/4, $0x00000000
DATA dwmask<>+60(SB)/4, $0x00000000
GLOBL dwmask<>(SB), RODATA|NOPTR, $64

// ---- AVX-512

// func dwRowsAVX512(a *dwArgs)
TEXT ·dwRowsAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), AX
	MOVQ 32(AX), R13
	TESTQ R13, R13
	JZ dwRowsAVX512_done
	CMPQ 24(AX), $0
	JEQ dwRowsAVX512_done
	MOVQ 0(AX), DI
	MOVQ 8(AX), SI
	MOVQ 80(AX), DX
	VBROADCASTSS 88(AX), Z31
dwRowsAVX512_row:
	XORQ BX, BX
	MOVQ 24(AX), CX
dwRowsAVX512_b8:
	CMPQ CX, $128
	JLT dwRowsAVX512_b4
	CMPL 92(AX), $0
	JNE dwRowsAVX512_b8_acc
	VMOVAPS Z31, Z0
	VMOVAPS Z31, Z1
	VMOVAPS Z31, Z2
	VMOVAPS Z31, Z3
	VMOVAPS Z31, Z4
	VMOVAPS Z31, Z5
	VMOVAPS Z31, Z6
	VMOVAPS Z31, Z7
	JMP dwRowsAVX512_b8_go
dwRowsAVX512_b8_acc:
	VMOVUPS 0(DI)(BX*1), Z0
	VMOVUPS 64(DI)(BX*1), Z1
	VMOVUPS 128(DI)(BX*1), Z2
	VMOVUPS 192(DI)(BX*1), Z3
	VMOVUPS 256(DI)(BX*1), Z4
	VMOVUPS 320(DI)(BX*1), Z5
	VMOVUPS 384(DI)(BX*1), Z6
	VMOVUPS 448(DI)(BX*1), Z7
dwRowsAVX512_b8_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX512_b8_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX512_b8_kx:
	VBROADCASTSS (R8), Z30
	VFMADD231PS 0(R12), Z30, Z0
	VFMADD231PS 64(R12), Z30, Z1
	VFMADD231PS 128(R12), Z30, Z2
	VFMADD231PS 192(R12), Z30, Z3
	VFMADD231PS 256(R12), Z30, Z4
	VFMADD231PS 320(R12), Z30, Z5
	VFMADD231PS 384(R12), Z30, Z6
	VFMADD231PS 448(R12), Z30, Z7
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX512_b8_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX512_b8_ky
	VMOVUPS Z0, 0(DI)(BX*1)
	VMOVUPS Z1, 64(DI)(BX*1)
	VMOVUPS Z2, 128(DI)(BX*1)
	VMOVUPS Z3, 192(DI)(BX*1)
	VMOVUPS Z4, 256(DI)(BX*1)
	VMOVUPS Z5, 320(DI)(BX*1)
	VMOVUPS Z6, 384(DI)(BX*1)
	VMOVUPS Z7, 448(DI)(BX*1)
	ADDQ $512, BX
	SUBQ $128, CX
	JMP dwRowsAVX512_b8
dwRowsAVX512_b4:
	CMPQ CX, $64
	JLT dwRowsAVX512_b1
	CMPL 92(AX), $0
	JNE dwRowsAVX512_b4_acc
	VMOVAPS Z31, Z0
	VMOVAPS Z31, Z1
	VMOVAPS Z31, Z2
	VMOVAPS Z31, Z3
	JMP dwRowsAVX512_b4_go
dwRowsAVX512_b4_acc:
	VMOVUPS 0(DI)(BX*1), Z0
	VMOVUPS 64(DI)(BX*1), Z1
	VMOVUPS 128(DI)(BX*1), Z2
	VMOVUPS 192(DI)(BX*1), Z3
dwRowsAVX512_b4_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX512_b4_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX512_b4_kx:
	VBROADCASTSS (R8), Z30
	VFMADD231PS 0(R12), Z30, Z0
	VFMADD231PS 64(R12), Z30, Z1
	VFMADD231PS 128(R12), Z30, Z2
	VFMADD231PS 192(R12), Z30, Z3
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX512_b4_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX512_b4_ky
	VMOVUPS Z0, 0(DI)(BX*1)
	VMOVUPS Z1, 64(DI)(BX*1)
	VMOVUPS Z2, 128(DI)(BX*1)
	VMOVUPS Z3, 192(DI)(BX*1)
	ADDQ $256, BX
	SUBQ $64, CX
	JMP dwRowsAVX512_b1
dwRowsAVX512_b1:
	CMPQ CX, $16
	JLT dwRowsAVX512_tail
	CMPL 92(AX), $0
	JNE dwRowsAVX512_b1_acc
	VMOVAPS Z31, Z0
	JMP dwRowsAVX512_b1_go
dwRowsAVX512_b1_acc:
	VMOVUPS 0(DI)(BX*1), Z0
dwRowsAVX512_b1_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX512_b1_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX512_b1_kx:
	VBROADCASTSS (R8), Z30
	VFMADD231PS 0(R12), Z30, Z0
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX512_b1_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX512_b1_ky
	VMOVUPS Z0, 0(DI)(BX*1)
	ADDQ $64, BX
	SUBQ $16, CX
	JMP dwRowsAVX512_b1
dwRowsAVX512_tail:
	TESTQ CX, CX
	JZ dwRowsAVX512_next
	MOVL $1, R8
	SHLL CX, R8
	DECL R8
	KMOVW R8, K1
	CMPL 92(AX), $0
	JNE dwRowsAVX512_tail_acc
	VMOVAPS Z31, Z0
	JMP dwRowsAVX512_tail_go
dwRowsAVX512_tail_acc:
	VMOVUPS.Z (DI)(BX*1), K1, Z0
dwRowsAVX512_tail_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX512_tail_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX512_tail_kx:
	VBROADCASTSS (R8), Z30
	VFMADD231PS (R12), Z30, K1, Z0
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX512_tail_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX512_tail_ky
	VMOVUPS Z0, K1, (DI)(BX*1)
dwRowsAVX512_next:
	ADDQ 40(AX), DI
	ADDQ 48(AX), SI
	DECQ R13
	JNZ dwRowsAVX512_row
dwRowsAVX512_done:
	VZEROUPPER
	RET

// func dwGradAVX512(a *dwArgs)
TEXT ·dwGradAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), AX
	MOVQ 32(AX), R13
	TESTQ R13, R13
	JZ dwGradAVX512_done
	CMPQ 24(AX), $0
	JEQ dwGradAVX512_done
	MOVQ 16(AX), DI
	MOVQ 8(AX), SI
	MOVQ 80(AX), DX
	XORQ R14, R14
dwGradAVX512_row:
	XORQ BX, BX
	MOVQ 24(AX), CX
dwGradAVX512_b8:
	CMPQ CX, $128
	JLT dwGradAVX512_b4
	VMOVUPS 0(DI)(BX*1), Z0
	VMOVUPS 64(DI)(BX*1), Z1
	VMOVUPS 128(DI)(BX*1), Z2
	VMOVUPS 192(DI)(BX*1), Z3
	VMOVUPS 256(DI)(BX*1), Z4
	VMOVUPS 320(DI)(BX*1), Z5
	VMOVUPS 384(DI)(BX*1), Z6
	VMOVUPS 448(DI)(BX*1), Z7
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX512_b8_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX512_b8_kx:
	VMOVUPS (R8), Z8
	VFMADD231PS 0(R12), Z0, Z8
	VFMADD231PS 64(R12), Z1, Z8
	VFMADD231PS 128(R12), Z2, Z8
	VFMADD231PS 192(R12), Z3, Z8
	VFMADD231PS 256(R12), Z4, Z8
	VFMADD231PS 320(R12), Z5, Z8
	VFMADD231PS 384(R12), Z6, Z8
	VFMADD231PS 448(R12), Z7, Z8
	VMOVUPS Z8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX512_b8_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX512_b8_ky
	ADDQ $512, BX
	SUBQ $128, CX
	JMP dwGradAVX512_b8
dwGradAVX512_b4:
	CMPQ CX, $64
	JLT dwGradAVX512_b1
	VMOVUPS 0(DI)(BX*1), Z0
	VMOVUPS 64(DI)(BX*1), Z1
	VMOVUPS 128(DI)(BX*1), Z2
	VMOVUPS 192(DI)(BX*1), Z3
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX512_b4_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX512_b4_kx:
	VMOVUPS (R8), Z8
	VFMADD231PS 0(R12), Z0, Z8
	VFMADD231PS 64(R12), Z1, Z8
	VFMADD231PS 128(R12), Z2, Z8
	VFMADD231PS 192(R12), Z3, Z8
	VMOVUPS Z8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX512_b4_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX512_b4_ky
	ADDQ $256, BX
	SUBQ $64, CX
	JMP dwGradAVX512_b1
dwGradAVX512_b1:
	CMPQ CX, $16
	JLT dwGradAVX512_tail
	VMOVUPS 0(DI)(BX*1), Z0
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX512_b1_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX512_b1_kx:
	VMOVUPS (R8), Z8
	VFMADD231PS 0(R12), Z0, Z8
	VMOVUPS Z8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX512_b1_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX512_b1_ky
	ADDQ $64, BX
	SUBQ $16, CX
	JMP dwGradAVX512_b1
dwGradAVX512_tail:
	TESTQ CX, CX
	JZ dwGradAVX512_next
	MOVL $1, R8
	SHLL CX, R8
	DECL R8
	KMOVW R8, K1
	VMOVUPS.Z (DI)(BX*1), K1, Z0
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX512_tail_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX512_tail_kx:
	VMOVUPS (R8), Z8
	VFMADD231PS (R12), Z0, K1, Z8
	VMOVUPS Z8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX512_tail_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX512_tail_ky
dwGradAVX512_next:
	ADDQ 40(AX), DI
	ADDQ 48(AX), SI
	DECQ R13
	JNZ dwGradAVX512_row
dwGradAVX512_done:
	VZEROUPPER
	RET

// ---- AVX2

// func dwRowsAVX2(a *dwArgs)
TEXT ·dwRowsAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), AX
	MOVQ 32(AX), R13
	TESTQ R13, R13
	JZ dwRowsAVX2_done
	CMPQ 24(AX), $0
	JEQ dwRowsAVX2_done
	MOVQ 0(AX), DI
	MOVQ 8(AX), SI
	MOVQ 80(AX), DX
	VBROADCASTSS 88(AX), Y9
dwRowsAVX2_row:
	XORQ BX, BX
	MOVQ 24(AX), CX
dwRowsAVX2_b8:
	CMPQ CX, $64
	JLT dwRowsAVX2_b4
	CMPL 92(AX), $0
	JNE dwRowsAVX2_b8_acc
	VMOVAPS Y9, Y0
	VMOVAPS Y9, Y1
	VMOVAPS Y9, Y2
	VMOVAPS Y9, Y3
	VMOVAPS Y9, Y4
	VMOVAPS Y9, Y5
	VMOVAPS Y9, Y6
	VMOVAPS Y9, Y7
	JMP dwRowsAVX2_b8_go
dwRowsAVX2_b8_acc:
	VMOVUPS 0(DI)(BX*1), Y0
	VMOVUPS 32(DI)(BX*1), Y1
	VMOVUPS 64(DI)(BX*1), Y2
	VMOVUPS 96(DI)(BX*1), Y3
	VMOVUPS 128(DI)(BX*1), Y4
	VMOVUPS 160(DI)(BX*1), Y5
	VMOVUPS 192(DI)(BX*1), Y6
	VMOVUPS 224(DI)(BX*1), Y7
dwRowsAVX2_b8_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX2_b8_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX2_b8_kx:
	VBROADCASTSS (R8), Y8
	VFMADD231PS 0(R12), Y8, Y0
	VFMADD231PS 32(R12), Y8, Y1
	VFMADD231PS 64(R12), Y8, Y2
	VFMADD231PS 96(R12), Y8, Y3
	VFMADD231PS 128(R12), Y8, Y4
	VFMADD231PS 160(R12), Y8, Y5
	VFMADD231PS 192(R12), Y8, Y6
	VFMADD231PS 224(R12), Y8, Y7
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX2_b8_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX2_b8_ky
	VMOVUPS Y0, 0(DI)(BX*1)
	VMOVUPS Y1, 32(DI)(BX*1)
	VMOVUPS Y2, 64(DI)(BX*1)
	VMOVUPS Y3, 96(DI)(BX*1)
	VMOVUPS Y4, 128(DI)(BX*1)
	VMOVUPS Y5, 160(DI)(BX*1)
	VMOVUPS Y6, 192(DI)(BX*1)
	VMOVUPS Y7, 224(DI)(BX*1)
	ADDQ $256, BX
	SUBQ $64, CX
	JMP dwRowsAVX2_b8
dwRowsAVX2_b4:
	CMPQ CX, $32
	JLT dwRowsAVX2_b1
	CMPL 92(AX), $0
	JNE dwRowsAVX2_b4_acc
	VMOVAPS Y9, Y0
	VMOVAPS Y9, Y1
	VMOVAPS Y9, Y2
	VMOVAPS Y9, Y3
	JMP dwRowsAVX2_b4_go
dwRowsAVX2_b4_acc:
	VMOVUPS 0(DI)(BX*1), Y0
	VMOVUPS 32(DI)(BX*1), Y1
	VMOVUPS 64(DI)(BX*1), Y2
	VMOVUPS 96(DI)(BX*1), Y3
dwRowsAVX2_b4_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX2_b4_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX2_b4_kx:
	VBROADCASTSS (R8), Y8
	VFMADD231PS 0(R12), Y8, Y0
	VFMADD231PS 32(R12), Y8, Y1
	VFMADD231PS 64(R12), Y8, Y2
	VFMADD231PS 96(R12), Y8, Y3
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX2_b4_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX2_b4_ky
	VMOVUPS Y0, 0(DI)(BX*1)
	VMOVUPS Y1, 32(DI)(BX*1)
	VMOVUPS Y2, 64(DI)(BX*1)
	VMOVUPS Y3, 96(DI)(BX*1)
	ADDQ $128, BX
	SUBQ $32, CX
	JMP dwRowsAVX2_b1
dwRowsAVX2_b1:
	CMPQ CX, $8
	JLT dwRowsAVX2_tail
	CMPL 92(AX), $0
	JNE dwRowsAVX2_b1_acc
	VMOVAPS Y9, Y0
	JMP dwRowsAVX2_b1_go
dwRowsAVX2_b1_acc:
	VMOVUPS 0(DI)(BX*1), Y0
dwRowsAVX2_b1_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX2_b1_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX2_b1_kx:
	VBROADCASTSS (R8), Y8
	VFMADD231PS 0(R12), Y8, Y0
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX2_b1_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX2_b1_ky
	VMOVUPS Y0, 0(DI)(BX*1)
	ADDQ $32, BX
	SUBQ $8, CX
	JMP dwRowsAVX2_b1
dwRowsAVX2_tail:
	TESTQ CX, CX
	JZ dwRowsAVX2_next
	LEAQ dwmask<>+32(SB), R8
	SHLQ $2, CX
	SUBQ CX, R8
	VMOVDQU (R8), Y10
	CMPL 92(AX), $0
	JNE dwRowsAVX2_tail_acc
	VMOVAPS Y9, Y0
	JMP dwRowsAVX2_tail_go
dwRowsAVX2_tail_acc:
	VMASKMOVPS (DI)(BX*1), Y10, Y0
dwRowsAVX2_tail_go:
	MOVQ 16(AX), R8
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwRowsAVX2_tail_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwRowsAVX2_tail_kx:
	VBROADCASTSS (R8), Y8
	VMASKMOVPS (R12), Y10, Y11
	VFMADD231PS Y11, Y8, Y0
	ADDQ $4, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwRowsAVX2_tail_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwRowsAVX2_tail_ky
	VMASKMOVPS Y0, Y10, (DI)(BX*1)
dwRowsAVX2_next:
	ADDQ 40(AX), DI
	ADDQ 48(AX), SI
	DECQ R13
	JNZ dwRowsAVX2_row
dwRowsAVX2_done:
	VZEROUPPER
	RET

// func dwGradAVX2(a *dwArgs)
TEXT ·dwGradAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), AX
	MOVQ 32(AX), R13
	TESTQ R13, R13
	JZ dwGradAVX2_done
	CMPQ 24(AX), $0
	JEQ dwGradAVX2_done
	MOVQ 16(AX), DI
	MOVQ 8(AX), SI
	MOVQ 80(AX), DX
	XORQ R14, R14
dwGradAVX2_row:
	XORQ BX, BX
	MOVQ 24(AX), CX
dwGradAVX2_b8:
	CMPQ CX, $64
	JLT dwGradAVX2_b4
	VMOVUPS 0(DI)(BX*1), Y0
	VMOVUPS 32(DI)(BX*1), Y1
	VMOVUPS 64(DI)(BX*1), Y2
	VMOVUPS 96(DI)(BX*1), Y3
	VMOVUPS 128(DI)(BX*1), Y4
	VMOVUPS 160(DI)(BX*1), Y5
	VMOVUPS 192(DI)(BX*1), Y6
	VMOVUPS 224(DI)(BX*1), Y7
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX2_b8_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX2_b8_kx:
	VMOVUPS (R8), Y8
	VFMADD231PS 0(R12), Y0, Y8
	VFMADD231PS 32(R12), Y1, Y8
	VFMADD231PS 64(R12), Y2, Y8
	VFMADD231PS 96(R12), Y3, Y8
	VFMADD231PS 128(R12), Y4, Y8
	VFMADD231PS 160(R12), Y5, Y8
	VFMADD231PS 192(R12), Y6, Y8
	VFMADD231PS 224(R12), Y7, Y8
	VMOVUPS Y8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX2_b8_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX2_b8_ky
	ADDQ $256, BX
	SUBQ $64, CX
	JMP dwGradAVX2_b8
dwGradAVX2_b4:
	CMPQ CX, $32
	JLT dwGradAVX2_b1
	VMOVUPS 0(DI)(BX*1), Y0
	VMOVUPS 32(DI)(BX*1), Y1
	VMOVUPS 64(DI)(BX*1), Y2
	VMOVUPS 96(DI)(BX*1), Y3
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX2_b4_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX2_b4_kx:
	VMOVUPS (R8), Y8
	VFMADD231PS 0(R12), Y0, Y8
	VFMADD231PS 32(R12), Y1, Y8
	VFMADD231PS 64(R12), Y2, Y8
	VFMADD231PS 96(R12), Y3, Y8
	VMOVUPS Y8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX2_b4_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX2_b4_ky
	ADDQ $128, BX
	SUBQ $32, CX
	JMP dwGradAVX2_b1
dwGradAVX2_b1:
	CMPQ CX, $8
	JLT dwGradAVX2_tail
	VMOVUPS 0(DI)(BX*1), Y0
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX2_b1_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX2_b1_kx:
	VMOVUPS (R8), Y8
	VFMADD231PS 0(R12), Y0, Y8
	VMOVUPS Y8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX2_b1_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX2_b1_ky
	ADDQ $32, BX
	SUBQ $8, CX
	JMP dwGradAVX2_b1
dwGradAVX2_tail:
	TESTQ CX, CX
	JZ dwGradAVX2_next
	LEAQ dwmask<>+32(SB), R8
	SHLQ $2, CX
	SUBQ CX, R8
	VMOVDQU (R8), Y10
	VMASKMOVPS (DI)(BX*1), Y10, Y0
	MOVQ 0(AX), R8
	ADDQ R14, R8
	XORQ $64, R14
	LEAQ (SI)(BX*1), R9
	MOVQ 56(AX), R10
dwGradAVX2_tail_ky:
	MOVQ R9, R12
	MOVQ 64(AX), R11
dwGradAVX2_tail_kx:
	VMOVUPS (R8), Y8
	VMASKMOVPS (R12), Y10, Y11
	VFMADD231PS Y11, Y0, Y8
	VMOVUPS Y8, (R8)
	ADDQ $128, R8
	ADDQ DX, R12
	DECQ R11
	JNZ dwGradAVX2_tail_kx
	ADDQ 72(AX), R9
	DECQ R10
	JNZ dwGradAVX2_tail_ky
dwGradAVX2_next:
	ADDQ 40(AX), DI
	ADDQ 48(AX), SI
	DECQ R13
	JNZ dwGradAVX2_row
dwGradAVX2_done:
	VZEROUPPER
	RET
