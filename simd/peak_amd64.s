//go:build amd64 && !purego

#include "textflag.h"

// FMA throughput loops for measuring the machine's float32 peak. Twelve independent
// accumulators cover FMA latency 4 on two pipes (8 needed) with room to spare; the
// multiplicands stay in registers so nothing waits on memory. Each iteration is 12
// FMAs: 12*8*2 = 192 FLOP on ymm, 384 on zmm.
//
// func fmaLoopAVX2(n int)
// func fmaLoopAVX512(n int)

#define FMA12(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, ma, mb) \
	VFMADD231PS ma, mb, r0; \
	VFMADD231PS ma, mb, r1; \
	VFMADD231PS ma, mb, r2; \
	VFMADD231PS ma, mb, r3; \
	VFMADD231PS ma, mb, r4; \
	VFMADD231PS ma, mb, r5; \
	VFMADD231PS ma, mb, r6; \
	VFMADD231PS ma, mb, r7; \
	VFMADD231PS ma, mb, r8; \
	VFMADD231PS ma, mb, r9; \
	VFMADD231PS ma, mb, r10; \
	VFMADD231PS ma, mb, r11

TEXT ·fmaLoopAVX2(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
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
	TESTQ  CX, CX
	JLE    avx2done

avx2loop:
	FMA12(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13)
	DECQ CX
	JNZ  avx2loop

avx2done:
	VZEROUPPER
	RET

TEXT ·fmaLoopAVX512(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	TESTQ  CX, CX
	JLE    avx512done

avx512loop:
	FMA12(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13)
	DECQ CX
	JNZ  avx512loop

avx512done:
	VZEROUPPER
	RET
