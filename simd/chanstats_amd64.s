//go:build !purego

#include "textflag.h"

// func chanStatsAVX2(sum []float64, mx []float32, arg []int32, x []float32, k int32)
// 8 elements per iteration; len(x) is a multiple of 8 (ChanStatsStep does the rest).
TEXT ·chanStatsAVX2(SB), NOSPLIT, $0-100
	MOVQ sum_base+0(FP), DI
	MOVQ mx_base+24(FP), SI
	MOVQ arg_base+48(FP), DX
	MOVQ x_base+72(FP), BX
	MOVQ x_len+80(FP), CX
	MOVL k+96(FP), AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (BX), Y0             // x
	VCVTPS2PD X0, Y1             // x[0:4] in float64 (exact)
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD X2, Y2             // x[4:8]
	VADDPD  (DI), Y1, Y1
	VADDPD  32(DI), Y2, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	VMOVUPS (SI), Y3             // mx
	VCMPPS  $0x1e, Y3, Y0, Y4    // x > mx (GT_OQ: false with a NaN)
	VCMPPS  $3, Y0, Y0, Y5       // x is NaN (UNORD_Q)
	VCMPPS  $7, Y3, Y3, Y6       // mx is not NaN (ORD_Q)
	VANDPS  Y6, Y5, Y5
	VORPS   Y5, Y4, Y4           // better
	VBLENDVPS Y4, Y0, Y3, Y3     // mx = better ? x : mx
	VMOVUPS Y3, (SI)
	VMOVDQU (DX), Y7
	VBLENDVPS Y4, Y15, Y7, Y7    // arg = better ? k : arg
	VMOVDQU Y7, (DX)
	ADDQ $32, BX
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
