//go:build !purego

#include "textflag.h"

// func rmspropAVX2(p, g, sq []float32, wd, oneMinus, alpha, eps, negLR float32)
// 8 elements per iteration; len(p) is a multiple of 8 (RMSpropStep does the rest).
// The operation order is rmspropGeneric's, one IEEE float32 operation at a time.
TEXT ·rmspropAVX2(SB), NOSPLIT, $0-92
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ sq_base+48(FP), DX
	VBROADCASTSS wd+72(FP), Y10
	VBROADCASTSS oneMinus+76(FP), Y11
	VBROADCASTSS alpha+80(FP), Y12
	VBROADCASTSS eps+84(FP), Y13
	VBROADCASTSS negLR+88(FP), Y14
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (SI), Y0             // g
	VMOVUPS (DI), Y1             // p
	VFMADD231PS Y1, Y10, Y0      // g = wd*p + g
	VMULPS  (DX), Y12, Y2        // u = sq*alpha
	VMULPS  Y0, Y11, Y3          // t = oneMinus*g
	VFMADD231PS Y0, Y3, Y2       // sq = t*g + u
	VMOVUPS Y2, (DX)
	VSQRTPS Y2, Y4               // sqrt(sq)
	VADDPS  Y13, Y4, Y4          // avg = sqrt(sq) + eps
	VMULPS  Y0, Y14, Y5          // q = negLR*g
	VDIVPS  Y4, Y5, Y5           // q / avg
	VADDPS  Y5, Y1, Y1           // p += q/avg
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
