//go:build amd64 && !purego

#include "textflag.h"

// Dropout kernels (algorithms and contracts: drop_generic.go, drop_amd64.go).
//
// PCG step on 8 lanes of 128-bit states (H, L) by the 16-step constants
// M = (Z30 hi, Z31 lo), C = (Z28 hi, Z29 lo):
//   L' = L*Mlo + Clo,  carry = L' < Clo
//   H' = H*Mlo + L*Mhi + mulhi(L, Mlo) + Chi + carry
// AVX-512 has no 64x64->128 multiply, so mulhi(L, Mlo) comes from four 32x32->64
// VPMULUDQ products (Z27 holds Mlo>>32; VPMULUDQ reads the low 32 bits of Z31):
//   t = a1*b0 + hi32(a0*b0),  w = a0*b1 + lo32(t),  mulhi = a1*b1 + hi32(t) + hi32(w)
// (no partial sum overflows 64 bits). (Taking the low word L*Mlo from the same
// products instead of a VPMULLQ measured slower on Zen 4, where VPMULLQ is cheap.)
#define PCGSTEP(H, L, T, P00, P01, P10, P11, K) \
	VPSRLQ   $32, L, T;      \
	VPMULUDQ Z31, L, P00;    \
	VPMULUDQ Z27, L, P01;    \
	VPMULUDQ Z31, T, P10;    \
	VPMULUDQ Z27, T, P11;    \
	VPSRLQ   $32, P00, P00;  \
	VPADDQ   P00, P10, P10;  \
	VPSRLQ   $32, P10, T;    \
	VPANDQ   Z24, P10, P10;  \
	VPADDQ   P10, P01, P01;  \
	VPSRLQ   $32, P01, P01;  \
	VPADDQ   T, P11, P11;    \
	VPADDQ   P01, P11, P11;  \
	VPMULLQ  Z31, H, H;      \
	VPMULLQ  Z30, L, T;      \
	VPADDQ   T, H, H;        \
	VPADDQ   P11, H, H;      \
	VPADDQ   Z28, H, H;      \
	VPMULLQ  Z31, L, L;      \
	VPADDQ   Z29, L, L;      \
	VPCMPUQ  $1, Z29, L, K;  \
	VPADDQ   Z25, H, K, H

// DXSM output of the states (H, L), its Float32 bits (bits 32-55) compared with the
// threshold into K (as o<<8 >= thr<<40 in Z23: the bits below 32 cannot lift o<<8
// over thr<<40 unless bits 32-55 already reach thr), and 8 elements y = x * (K ? scale : +0) at byte offset OFF,
// with K stored as mask byte MOFF.
#define DRAW(H, L, T0, T1, YT, K, OFF, MOFF) \
	VPSRLQ    $32, H, T0;      \
	VPXORQ    H, T0, T0;       \
	VPMULLQ   Z26, T0, T0;     \
	VPSRLQ    $48, T0, T1;     \
	VPXORQ    T1, T0, T0;      \
	VPORQ     Z25, L, T1;      \
	VPMULLQ   T1, T0, T0;      \
	VPSLLQ    $8, T0, T0;      \
	VPCMPUQ   $5, Z23, T0, K;  \
	VMOVAPS.Z Y22, K, YT;      \
	VMULPS    OFF(SI), YT, YT; \
	VMOVUPS   YT, OFF(DI);     \
	KMOVB     K, MOFF(R8)

// func dropPCGKernelAVX512(y, x []float32, mask []byte, lanes *[32]uint64, step *[4]uint64, thr40 uint64, scale float32)
TEXT ·dropPCGKernelAVX512(SB), NOSPLIT, $0-100
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ mask_base+48(FP), R8
	MOVQ lanes+72(FP), AX
	MOVQ step+80(FP), BX
	SHRQ $4, CX
	JZ   pcgdone

	VMOVDQU64    0(AX), Z0
	VMOVDQU64    64(AX), Z1
	VMOVDQU64    128(AX), Z2
	VMOVDQU64    192(AX), Z3
	VPBROADCASTQ 0(BX), Z30
	VPBROADCASTQ 8(BX), Z31
	VPBROADCASTQ 16(BX), Z28
	VPBROADCASTQ 24(BX), Z29
	VPSRLQ       $32, Z31, Z27
	MOVQ         $0xda942042e4dd58b5, DX
	VPBROADCASTQ DX, Z26
	MOVQ         $1, DX
	VPBROADCASTQ DX, Z25
	MOVQ         $0xffffffff, DX
	VPBROADCASTQ DX, Z24
	VPBROADCASTQ thr40+88(FP), Z23
	VBROADCASTSS scale+96(FP), Y22

pcgloop:
	DRAW(Z0, Z1, Z4, Z5, Y4, K1, 0, 0)
	DRAW(Z2, Z3, Z6, Z7, Y6, K2, 32, 1)
	PCGSTEP(Z0, Z1, Z8, Z9, Z10, Z11, Z12, K3)
	PCGSTEP(Z2, Z3, Z13, Z14, Z15, Z16, Z17, K4)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $2, R8
	DECQ CX
	JNZ  pcgloop
	VZEROUPPER

pcgdone:
	RET

// func dropMaskKernelAVX512(y, x []float32, mask []byte, scale float32)
TEXT ·dropMaskKernelAVX512(SB), NOSPLIT, $0-76
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ mask_base+48(FP), R8
	SHRQ $4, CX
	JZ   maskdone
	VBROADCASTSS scale+72(FP), Z22

maskloop:
	KMOVW     (R8), K1
	VMOVAPS.Z Z22, K1, Z4
	VMULPS    (SI), Z4, Z4
	VMOVUPS   Z4, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $2, R8
	DECQ      CX
	JNZ       maskloop
	VZEROUPPER

maskdone:
	RET

// func dropMaskAccKernelAVX512(dx, g []float32, mask []byte, scale float32)
TEXT ·dropMaskAccKernelAVX512(SB), NOSPLIT, $0-76
	MOVQ dx_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ g_len+32(FP), CX
	MOVQ mask_base+48(FP), R8
	SHRQ $4, CX
	JZ   accdone
	VBROADCASTSS scale+72(FP), Z22

accloop:
	KMOVW     (R8), K1
	VMOVAPS.Z Z22, K1, Z4
	VMULPS    (SI), Z4, Z4
	VMOVUPS   (DI), Z5
	VADDPS    Z4, Z5, Z4 // dx first, as dx += p: a NaN dx keeps its payload
	VMOVUPS   Z4, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $2, R8
	DECQ      CX
	JNZ       accloop
	VZEROUPPER

accdone:
	RET

// func dropMaskSetKernelAVX512(dx, g []float32, mask []byte, scale float32)
TEXT ·dropMaskSetKernelAVX512(SB), NOSPLIT, $0-76
	MOVQ dx_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ g_len+32(FP), CX
	MOVQ mask_base+48(FP), R8
	SHRQ $4, CX
	JZ   setdone
	VBROADCASTSS scale+72(FP), Z22
	VPXORD       Z5, Z5, Z5

setloop:
	KMOVW     (R8), K1
	VMOVAPS.Z Z22, K1, Z4
	VMULPS    (SI), Z4, Z4
	VADDPS    Z4, Z5, Z4 // +0 first, as 0 + p: -0 becomes +0, a NaN p stays itself
	VMOVUPS   Z4, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $2, R8
	DECQ      CX
	JNZ       setloop
	VZEROUPPER

setdone:
	RET
