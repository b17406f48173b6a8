//go:build !purego

#include "textflag.h"

// GELU backward, dx += g * (Phi(x) + x*phi(x)), AVX2 (ymm) and AVX-512 (zmm): the
// algorithm of gelugrad32 in gelugrad_generic.go (read the error bound there), with FMAs.
// One vector per loop iteration, then one masked vector for the tail.

// Constants: 16 copies each (64 bytes), a ymm (first 32 bytes) or zmm memory operand.
// Values match gelugrad_generic.go and math_generic.go. (math_amd64.s has most of them,
// but <> symbols are private to their file.)

DATA ggone<>+0(SB)/4, $0x3f800000
DATA ggone<>+4(SB)/4, $0x3f800000
DATA ggone<>+8(SB)/4, $0x3f800000
DATA ggone<>+12(SB)/4, $0x3f800000
DATA ggone<>+16(SB)/4, $0x3f800000
DATA ggone<>+20(SB)/4, $0x3f800000
DATA ggone<>+24(SB)/4, $0x3f800000
DATA ggone<>+28(SB)/4, $0x3f800000
DATA ggone<>+32(SB)/4, $0x3f800000
DATA ggone<>+36(SB)/4, $0x3f800000
DATA ggone<>+40(SB)/4, $0x3f800000
DATA ggone<>+44(SB)/4, $0x3f800000
DATA ggone<>+48(SB)/4, $0x3f800000
DATA ggone<>+52(SB)/4, $0x3f800000
DATA ggone<>+56(SB)/4, $0x3f800000
DATA ggone<>+60(SB)/4, $0x3f800000
GLOBL ggone<>(SB), RODATA|NOPTR, $64

DATA gghalf<>+0(SB)/4, $0x3f000000
DATA gghalf<>+4(SB)/4, $0x3f000000
DATA gghalf<>+8(SB)/4, $0x3f000000
DATA gghalf<>+12(SB)/4, $0x3f000000
DATA gghalf<>+16(SB)/4, $0x3f000000
DATA gghalf<>+20(SB)/4, $0x3f000000
DATA gghalf<>+24(SB)/4, $0x3f000000
DATA gghalf<>+28(SB)/4, $0x3f000000
DATA gghalf<>+32(SB)/4, $0x3f000000
DATA gghalf<>+36(SB)/4, $0x3f000000
DATA gghalf<>+40(SB)/4, $0x3f000000
DATA gghalf<>+44(SB)/4, $0x3f000000
DATA gghalf<>+48(SB)/4, $0x3f000000
DATA gghalf<>+52(SB)/4, $0x3f000000
DATA gghalf<>+56(SB)/4, $0x3f000000
DATA gghalf<>+60(SB)/4, $0x3f000000
GLOBL gghalf<>(SB), RODATA|NOPTR, $64

DATA ggmhalf<>+0(SB)/4, $0xbf000000
DATA ggmhalf<>+4(SB)/4, $0xbf000000
DATA ggmhalf<>+8(SB)/4, $0xbf000000
DATA ggmhalf<>+12(SB)/4, $0xbf000000
DATA ggmhalf<>+16(SB)/4, $0xbf000000
DATA ggmhalf<>+20(SB)/4, $0xbf000000
DATA ggmhalf<>+24(SB)/4, $0xbf000000
DATA ggmhalf<>+28(SB)/4, $0xbf000000
DATA ggmhalf<>+32(SB)/4, $0xbf000000
DATA ggmhalf<>+36(SB)/4, $0xbf000000
DATA ggmhalf<>+40(SB)/4, $0xbf000000
DATA ggmhalf<>+44(SB)/4, $0xbf000000
DATA ggmhalf<>+48(SB)/4, $0xbf000000
DATA ggmhalf<>+52(SB)/4, $0xbf000000
DATA ggmhalf<>+56(SB)/4, $0xbf000000
DATA ggmhalf<>+60(SB)/4, $0xbf000000
GLOBL ggmhalf<>(SB), RODATA|NOPTR, $64

DATA ggabs<>+0(SB)/4, $0x7fffffff
DATA ggabs<>+4(SB)/4, $0x7fffffff
DATA ggabs<>+8(SB)/4, $0x7fffffff
DATA ggabs<>+12(SB)/4, $0x7fffffff
DATA ggabs<>+16(SB)/4, $0x7fffffff
DATA ggabs<>+20(SB)/4, $0x7fffffff
DATA ggabs<>+24(SB)/4, $0x7fffffff
DATA ggabs<>+28(SB)/4, $0x7fffffff
DATA ggabs<>+32(SB)/4, $0x7fffffff
DATA ggabs<>+36(SB)/4, $0x7fffffff
DATA ggabs<>+40(SB)/4, $0x7fffffff
DATA ggabs<>+44(SB)/4, $0x7fffffff
DATA ggabs<>+48(SB)/4, $0x7fffffff
DATA ggabs<>+52(SB)/4, $0x7fffffff
DATA ggabs<>+56(SB)/4, $0x7fffffff
DATA ggabs<>+60(SB)/4, $0x7fffffff
GLOBL ggabs<>(SB), RODATA|NOPTR, $64

DATA ggbias<>+0(SB)/4, $0x0000007f
DATA ggbias<>+4(SB)/4, $0x0000007f
DATA ggbias<>+8(SB)/4, $0x0000007f
DATA ggbias<>+12(SB)/4, $0x0000007f
DATA ggbias<>+16(SB)/4, $0x0000007f
DATA ggbias<>+20(SB)/4, $0x0000007f
DATA ggbias<>+24(SB)/4, $0x0000007f
DATA ggbias<>+28(SB)/4, $0x0000007f
DATA ggbias<>+32(SB)/4, $0x0000007f
DATA ggbias<>+36(SB)/4, $0x0000007f
DATA ggbias<>+40(SB)/4, $0x0000007f
DATA ggbias<>+44(SB)/4, $0x0000007f
DATA ggbias<>+48(SB)/4, $0x0000007f
DATA ggbias<>+52(SB)/4, $0x0000007f
DATA ggbias<>+56(SB)/4, $0x0000007f
DATA ggbias<>+60(SB)/4, $0x0000007f
GLOBL ggbias<>(SB), RODATA|NOPTR, $64

DATA gglog2e<>+0(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+4(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+8(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+12(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+16(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+20(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+24(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+28(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+32(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+36(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+40(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+44(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+48(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+52(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+56(SB)/4, $0x3fb8aa3b
DATA gglog2e<>+60(SB)/4, $0x3fb8aa3b
GLOBL gglog2e<>(SB), RODATA|NOPTR, $64

DATA ggln2hi<>+0(SB)/4, $0x3f318000
DATA ggln2hi<>+4(SB)/4, $0x3f318000
DATA ggln2hi<>+8(SB)/4, $0x3f318000
DATA ggln2hi<>+12(SB)/4, $0x3f318000
DATA ggln2hi<>+16(SB)/4, $0x3f318000
DATA ggln2hi<>+20(SB)/4, $0x3f318000
DATA ggln2hi<>+24(SB)/4, $0x3f318000
DATA ggln2hi<>+28(SB)/4, $0x3f318000
DATA ggln2hi<>+32(SB)/4, $0x3f318000
DATA ggln2hi<>+36(SB)/4, $0x3f318000
DATA ggln2hi<>+40(SB)/4, $0x3f318000
DATA ggln2hi<>+44(SB)/4, $0x3f318000
DATA ggln2hi<>+48(SB)/4, $0x3f318000
DATA ggln2hi<>+52(SB)/4, $0x3f318000
DATA ggln2hi<>+56(SB)/4, $0x3f318000
DATA ggln2hi<>+60(SB)/4, $0x3f318000
GLOBL ggln2hi<>(SB), RODATA|NOPTR, $64

DATA ggln2lo<>+0(SB)/4, $0xb95e8083
DATA ggln2lo<>+4(SB)/4, $0xb95e8083
DATA ggln2lo<>+8(SB)/4, $0xb95e8083
DATA ggln2lo<>+12(SB)/4, $0xb95e8083
DATA ggln2lo<>+16(SB)/4, $0xb95e8083
DATA ggln2lo<>+20(SB)/4, $0xb95e8083
DATA ggln2lo<>+24(SB)/4, $0xb95e8083
DATA ggln2lo<>+28(SB)/4, $0xb95e8083
DATA ggln2lo<>+32(SB)/4, $0xb95e8083
DATA ggln2lo<>+36(SB)/4, $0xb95e8083
DATA ggln2lo<>+40(SB)/4, $0xb95e8083
DATA ggln2lo<>+44(SB)/4, $0xb95e8083
DATA ggln2lo<>+48(SB)/4, $0xb95e8083
DATA ggln2lo<>+52(SB)/4, $0xb95e8083
DATA ggln2lo<>+56(SB)/4, $0xb95e8083
DATA ggln2lo<>+60(SB)/4, $0xb95e8083
GLOBL ggln2lo<>(SB), RODATA|NOPTR, $64

DATA ggexpc2<>+0(SB)/4, $0x3f000000
DATA ggexpc2<>+4(SB)/4, $0x3f000000
DATA ggexpc2<>+8(SB)/4, $0x3f000000
DATA ggexpc2<>+12(SB)/4, $0x3f000000
DATA ggexpc2<>+16(SB)/4, $0x3f000000
DATA ggexpc2<>+20(SB)/4, $0x3f000000
DATA ggexpc2<>+24(SB)/4, $0x3f000000
DATA ggexpc2<>+28(SB)/4, $0x3f000000
DATA ggexpc2<>+32(SB)/4, $0x3f000000
DATA ggexpc2<>+36(SB)/4, $0x3f000000
DATA ggexpc2<>+40(SB)/4, $0x3f000000
DATA ggexpc2<>+44(SB)/4, $0x3f000000
DATA ggexpc2<>+48(SB)/4, $0x3f000000
DATA ggexpc2<>+52(SB)/4, $0x3f000000
DATA ggexpc2<>+56(SB)/4, $0x3f000000
DATA ggexpc2<>+60(SB)/4, $0x3f000000
GLOBL ggexpc2<>(SB), RODATA|NOPTR, $64

DATA ggexpc3<>+0(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+4(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+8(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+12(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+16(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+20(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+24(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+28(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+32(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+36(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+40(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+44(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+48(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+52(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+56(SB)/4, $0x3e2aaaab
DATA ggexpc3<>+60(SB)/4, $0x3e2aaaab
GLOBL ggexpc3<>(SB), RODATA|NOPTR, $64

DATA ggexpc4<>+0(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+4(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+8(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+12(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+16(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+20(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+24(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+28(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+32(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+36(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+40(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+44(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+48(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+52(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+56(SB)/4, $0x3d2aaaab
DATA ggexpc4<>+60(SB)/4, $0x3d2aaaab
GLOBL ggexpc4<>(SB), RODATA|NOPTR, $64

DATA ggexpc5<>+0(SB)/4, $0x3c088889
DATA ggexpc5<>+4(SB)/4, $0x3c088889
DATA ggexpc5<>+8(SB)/4, $0x3c088889
DATA ggexpc5<>+12(SB)/4, $0x3c088889
DATA ggexpc5<>+16(SB)/4, $0x3c088889
DATA ggexpc5<>+20(SB)/4, $0x3c088889
DATA ggexpc5<>+24(SB)/4, $0x3c088889
DATA ggexpc5<>+28(SB)/4, $0x3c088889
DATA ggexpc5<>+32(SB)/4, $0x3c088889
DATA ggexpc5<>+36(SB)/4, $0x3c088889
DATA ggexpc5<>+40(SB)/4, $0x3c088889
DATA ggexpc5<>+44(SB)/4, $0x3c088889
DATA ggexpc5<>+48(SB)/4, $0x3c088889
DATA ggexpc5<>+52(SB)/4, $0x3c088889
DATA ggexpc5<>+56(SB)/4, $0x3c088889
DATA ggexpc5<>+60(SB)/4, $0x3c088889
GLOBL ggexpc5<>(SB), RODATA|NOPTR, $64

DATA ggexpc6<>+0(SB)/4, $0x3ab60b61
DATA ggexpc6<>+4(SB)/4, $0x3ab60b61
DATA ggexpc6<>+8(SB)/4, $0x3ab60b61
DATA ggexpc6<>+12(SB)/4, $0x3ab60b61
DATA ggexpc6<>+16(SB)/4, $0x3ab60b61
DATA ggexpc6<>+20(SB)/4, $0x3ab60b61
DATA ggexpc6<>+24(SB)/4, $0x3ab60b61
DATA ggexpc6<>+28(SB)/4, $0x3ab60b61
DATA ggexpc6<>+32(SB)/4, $0x3ab60b61
DATA ggexpc6<>+36(SB)/4, $0x3ab60b61
DATA ggexpc6<>+40(SB)/4, $0x3ab60b61
DATA ggexpc6<>+44(SB)/4, $0x3ab60b61
DATA ggexpc6<>+48(SB)/4, $0x3ab60b61
DATA ggexpc6<>+52(SB)/4, $0x3ab60b61
DATA ggexpc6<>+56(SB)/4, $0x3ab60b61
DATA ggexpc6<>+60(SB)/4, $0x3ab60b61
GLOBL ggexpc6<>(SB), RODATA|NOPTR, $64

DATA ggexpc7<>+0(SB)/4, $0x39500d01
DATA ggexpc7<>+4(SB)/4, $0x39500d01
DATA ggexpc7<>+8(SB)/4, $0x39500d01
DATA ggexpc7<>+12(SB)/4, $0x39500d01
DATA ggexpc7<>+16(SB)/4, $0x39500d01
DATA ggexpc7<>+20(SB)/4, $0x39500d01
DATA ggexpc7<>+24(SB)/4, $0x39500d01
DATA ggexpc7<>+28(SB)/4, $0x39500d01
DATA ggexpc7<>+32(SB)/4, $0x39500d01
DATA ggexpc7<>+36(SB)/4, $0x39500d01
DATA ggexpc7<>+40(SB)/4, $0x39500d01
DATA ggexpc7<>+44(SB)/4, $0x39500d01
DATA ggexpc7<>+48(SB)/4, $0x39500d01
DATA ggexpc7<>+52(SB)/4, $0x39500d01
DATA ggexpc7<>+56(SB)/4, $0x39500d01
DATA ggexpc7<>+60(SB)/4, $0x39500d01
GLOBL ggexpc7<>(SB), RODATA|NOPTR, $64

DATA ggexpc8<>+0(SB)/4, $0x37d00d01
DATA ggexpc8<>+4(SB)/4, $0x37d00d01
DATA ggexpc8<>+8(SB)/4, $0x37d00d01
DATA ggexpc8<>+12(SB)/4, $0x37d00d01
DATA ggexpc8<>+16(SB)/4, $0x37d00d01
DATA ggexpc8<>+20(SB)/4, $0x37d00d01
DATA ggexpc8<>+24(SB)/4, $0x37d00d01
DATA ggexpc8<>+28(SB)/4, $0x37d00d01
DATA ggexpc8<>+32(SB)/4, $0x37d00d01
DATA ggexpc8<>+36(SB)/4, $0x37d00d01
DATA ggexpc8<>+40(SB)/4, $0x37d00d01
DATA ggexpc8<>+44(SB)/4, $0x37d00d01
DATA ggexpc8<>+48(SB)/4, $0x37d00d01
DATA ggexpc8<>+52(SB)/4, $0x37d00d01
DATA ggexpc8<>+56(SB)/4, $0x37d00d01
DATA ggexpc8<>+60(SB)/4, $0x37d00d01
GLOBL ggexpc8<>(SB), RODATA|NOPTR, $64

DATA gga<>+0(SB)/4, $0x41600000
DATA gga<>+4(SB)/4, $0x41600000
DATA gga<>+8(SB)/4, $0x41600000
DATA gga<>+12(SB)/4, $0x41600000
DATA gga<>+16(SB)/4, $0x41600000
DATA gga<>+20(SB)/4, $0x41600000
DATA gga<>+24(SB)/4, $0x41600000
DATA gga<>+28(SB)/4, $0x41600000
DATA gga<>+32(SB)/4, $0x41600000
DATA gga<>+36(SB)/4, $0x41600000
DATA gga<>+40(SB)/4, $0x41600000
DATA gga<>+44(SB)/4, $0x41600000
DATA gga<>+48(SB)/4, $0x41600000
DATA gga<>+52(SB)/4, $0x41600000
DATA gga<>+56(SB)/4, $0x41600000
DATA gga<>+60(SB)/4, $0x41600000
GLOBL gga<>(SB), RODATA|NOPTR, $64

DATA ggc0<>+0(SB)/4, $0xb6f3f7a7
DATA ggc0<>+4(SB)/4, $0xb6f3f7a7
DATA ggc0<>+8(SB)/4, $0xb6f3f7a7
DATA ggc0<>+12(SB)/4, $0xb6f3f7a7
DATA ggc0<>+16(SB)/4, $0xb6f3f7a7
DATA ggc0<>+20(SB)/4, $0xb6f3f7a7
DATA ggc0<>+24(SB)/4, $0xb6f3f7a7
DATA ggc0<>+28(SB)/4, $0xb6f3f7a7
DATA ggc0<>+32(SB)/4, $0xb6f3f7a7
DATA ggc0<>+36(SB)/4, $0xb6f3f7a7
DATA ggc0<>+40(SB)/4, $0xb6f3f7a7
DATA ggc0<>+44(SB)/4, $0xb6f3f7a7
DATA ggc0<>+48(SB)/4, $0xb6f3f7a7
DATA ggc0<>+52(SB)/4, $0xb6f3f7a7
DATA ggc0<>+56(SB)/4, $0xb6f3f7a7
DATA ggc0<>+60(SB)/4, $0xb6f3f7a7
GLOBL ggc0<>(SB), RODATA|NOPTR, $64

DATA ggc1<>+0(SB)/4, $0x3ecc6446
DATA ggc1<>+4(SB)/4, $0x3ecc6446
DATA ggc1<>+8(SB)/4, $0x3ecc6446
DATA ggc1<>+12(SB)/4, $0x3ecc6446
DATA ggc1<>+16(SB)/4, $0x3ecc6446
DATA ggc1<>+20(SB)/4, $0x3ecc6446
DATA ggc1<>+24(SB)/4, $0x3ecc6446
DATA ggc1<>+28(SB)/4, $0x3ecc6446
DATA ggc1<>+32(SB)/4, $0x3ecc6446
DATA ggc1<>+36(SB)/4, $0x3ecc6446
DATA ggc1<>+40(SB)/4, $0x3ecc6446
DATA ggc1<>+44(SB)/4, $0x3ecc6446
DATA ggc1<>+48(SB)/4, $0x3ecc6446
DATA ggc1<>+52(SB)/4, $0x3ecc6446
DATA ggc1<>+56(SB)/4, $0x3ecc6446
DATA ggc1<>+60(SB)/4, $0x3ecc6446
GLOBL ggc1<>(SB), RODATA|NOPTR, $64

DATA ggc2<>+0(SB)/4, $0x3eca3299
DATA ggc2<>+4(SB)/4, $0x3eca3299
DATA ggc2<>+8(SB)/4, $0x3eca3299
DATA ggc2<>+12(SB)/4, $0x3eca3299
DATA ggc2<>+16(SB)/4, $0x3eca3299
DATA ggc2<>+20(SB)/4, $0x3eca3299
DATA ggc2<>+24(SB)/4, $0x3eca3299
DATA ggc2<>+28(SB)/4, $0x3eca3299
DATA ggc2<>+32(SB)/4, $0x3eca3299
DATA ggc2<>+36(SB)/4, $0x3eca3299
DATA ggc2<>+40(SB)/4, $0x3eca3299
DATA ggc2<>+44(SB)/4, $0x3eca3299
DATA ggc2<>+48(SB)/4, $0x3eca3299
DATA ggc2<>+52(SB)/4, $0x3eca3299
DATA ggc2<>+56(SB)/4, $0x3eca3299
DATA ggc2<>+60(SB)/4, $0x3eca3299
GLOBL ggc2<>(SB), RODATA|NOPTR, $64

DATA ggc3<>+0(SB)/4, $0x3eab53b0
DATA ggc3<>+4(SB)/4, $0x3eab53b0
DATA ggc3<>+8(SB)/4, $0x3eab53b0
DATA ggc3<>+12(SB)/4, $0x3eab53b0
DATA ggc3<>+16(SB)/4, $0x3eab53b0
DATA ggc3<>+20(SB)/4, $0x3eab53b0
DATA ggc3<>+24(SB)/4, $0x3eab53b0
DATA ggc3<>+28(SB)/4, $0x3eab53b0
DATA ggc3<>+32(SB)/4, $0x3eab53b0
DATA ggc3<>+36(SB)/4, $0x3eab53b0
DATA ggc3<>+40(SB)/4, $0x3eab53b0
DATA ggc3<>+44(SB)/4, $0x3eab53b0
DATA ggc3<>+48(SB)/4, $0x3eab53b0
DATA ggc3<>+52(SB)/4, $0x3eab53b0
DATA ggc3<>+56(SB)/4, $0x3eab53b0
DATA ggc3<>+60(SB)/4, $0x3eab53b0
GLOBL ggc3<>(SB), RODATA|NOPTR, $64

DATA ggc4<>+0(SB)/4, $0xbdc56a64
DATA ggc4<>+4(SB)/4, $0xbdc56a64
DATA ggc4<>+8(SB)/4, $0xbdc56a64
DATA ggc4<>+12(SB)/4, $0xbdc56a64
DATA ggc4<>+16(SB)/4, $0xbdc56a64
DATA ggc4<>+20(SB)/4, $0xbdc56a64
DATA ggc4<>+24(SB)/4, $0xbdc56a64
DATA ggc4<>+28(SB)/4, $0xbdc56a64
DATA ggc4<>+32(SB)/4, $0xbdc56a64
DATA ggc4<>+36(SB)/4, $0xbdc56a64
DATA ggc4<>+40(SB)/4, $0xbdc56a64
DATA ggc4<>+44(SB)/4, $0xbdc56a64
DATA ggc4<>+48(SB)/4, $0xbdc56a64
DATA ggc4<>+52(SB)/4, $0xbdc56a64
DATA ggc4<>+56(SB)/4, $0xbdc56a64
DATA ggc4<>+60(SB)/4, $0xbdc56a64
GLOBL ggc4<>(SB), RODATA|NOPTR, $64

DATA ggc5<>+0(SB)/4, $0x3f162a27
DATA ggc5<>+4(SB)/4, $0x3f162a27
DATA ggc5<>+8(SB)/4, $0x3f162a27
DATA ggc5<>+12(SB)/4, $0x3f162a27
DATA ggc5<>+16(SB)/4, $0x3f162a27
DATA ggc5<>+20(SB)/4, $0x3f162a27
DATA ggc5<>+24(SB)/4, $0x3f162a27
DATA ggc5<>+28(SB)/4, $0x3f162a27
DATA ggc5<>+32(SB)/4, $0x3f162a27
DATA ggc5<>+36(SB)/4, $0x3f162a27
DATA ggc5<>+40(SB)/4, $0x3f162a27
DATA ggc5<>+44(SB)/4, $0x3f162a27
DATA ggc5<>+48(SB)/4, $0x3f162a27
DATA ggc5<>+52(SB)/4, $0x3f162a27
DATA ggc5<>+56(SB)/4, $0x3f162a27
DATA ggc5<>+60(SB)/4, $0x3f162a27
GLOBL ggc5<>(SB), RODATA|NOPTR, $64

DATA ggc6<>+0(SB)/4, $0xbff4b556
DATA ggc6<>+4(SB)/4, $0xbff4b556
DATA ggc6<>+8(SB)/4, $0xbff4b556
DATA ggc6<>+12(SB)/4, $0xbff4b556
DATA ggc6<>+16(SB)/4, $0xbff4b556
DATA ggc6<>+20(SB)/4, $0xbff4b556
DATA ggc6<>+24(SB)/4, $0xbff4b556
DATA ggc6<>+28(SB)/4, $0xbff4b556
DATA ggc6<>+32(SB)/4, $0xbff4b556
DATA ggc6<>+36(SB)/4, $0xbff4b556
DATA ggc6<>+40(SB)/4, $0xbff4b556
DATA ggc6<>+44(SB)/4, $0xbff4b556
DATA ggc6<>+48(SB)/4, $0xbff4b556
DATA ggc6<>+52(SB)/4, $0xbff4b556
DATA ggc6<>+56(SB)/4, $0xbff4b556
DATA ggc6<>+60(SB)/4, $0xbff4b556
GLOBL ggc6<>(SB), RODATA|NOPTR, $64

DATA ggc7<>+0(SB)/4, $0x401a68b9
DATA ggc7<>+4(SB)/4, $0x401a68b9
DATA ggc7<>+8(SB)/4, $0x401a68b9
DATA ggc7<>+12(SB)/4, $0x401a68b9
DATA ggc7<>+16(SB)/4, $0x401a68b9
DATA ggc7<>+20(SB)/4, $0x401a68b9
DATA ggc7<>+24(SB)/4, $0x401a68b9
DATA ggc7<>+28(SB)/4, $0x401a68b9
DATA ggc7<>+32(SB)/4, $0x401a68b9
DATA ggc7<>+36(SB)/4, $0x401a68b9
DATA ggc7<>+40(SB)/4, $0x401a68b9
DATA ggc7<>+44(SB)/4, $0x401a68b9
DATA ggc7<>+48(SB)/4, $0x401a68b9
DATA ggc7<>+52(SB)/4, $0x401a68b9
DATA ggc7<>+56(SB)/4, $0x401a68b9
DATA ggc7<>+60(SB)/4, $0x401a68b9
GLOBL ggc7<>(SB), RODATA|NOPTR, $64

DATA ggc8<>+0(SB)/4, $0xbfccdd77
DATA ggc8<>+4(SB)/4, $0xbfccdd77
DATA ggc8<>+8(SB)/4, $0xbfccdd77
DATA ggc8<>+12(SB)/4, $0xbfccdd77
DATA ggc8<>+16(SB)/4, $0xbfccdd77
DATA ggc8<>+20(SB)/4, $0xbfccdd77
DATA ggc8<>+24(SB)/4, $0xbfccdd77
DATA ggc8<>+28(SB)/4, $0xbfccdd77
DATA ggc8<>+32(SB)/4, $0xbfccdd77
DATA ggc8<>+36(SB)/4, $0xbfccdd77
DATA ggc8<>+40(SB)/4, $0xbfccdd77
DATA ggc8<>+44(SB)/4, $0xbfccdd77
DATA ggc8<>+48(SB)/4, $0xbfccdd77
DATA ggc8<>+52(SB)/4, $0xbfccdd77
DATA ggc8<>+56(SB)/4, $0xbfccdd77
DATA ggc8<>+60(SB)/4, $0xbfccdd77
GLOBL ggc8<>(SB), RODATA|NOPTR, $64

DATA ggc9<>+0(SB)/4, $0x3f10c2b6
DATA ggc9<>+4(SB)/4, $0x3f10c2b6
DATA ggc9<>+8(SB)/4, $0x3f10c2b6
DATA ggc9<>+12(SB)/4, $0x3f10c2b6
DATA ggc9<>+16(SB)/4, $0x3f10c2b6
DATA ggc9<>+20(SB)/4, $0x3f10c2b6
DATA ggc9<>+24(SB)/4, $0x3f10c2b6
DATA ggc9<>+28(SB)/4, $0x3f10c2b6
DATA ggc9<>+32(SB)/4, $0x3f10c2b6
DATA ggc9<>+36(SB)/4, $0x3f10c2b6
DATA ggc9<>+40(SB)/4, $0x3f10c2b6
DATA ggc9<>+44(SB)/4, $0x3f10c2b6
DATA ggc9<>+48(SB)/4, $0x3f10c2b6
DATA ggc9<>+52(SB)/4, $0x3f10c2b6
DATA ggc9<>+56(SB)/4, $0x3f10c2b6
DATA ggc9<>+60(SB)/4, $0x3f10c2b6
GLOBL ggc9<>(SB), RODATA|NOPTR, $64

DATA ggc10<>+0(SB)/4, $0xbdad8d43
DATA ggc10<>+4(SB)/4, $0xbdad8d43
DATA ggc10<>+8(SB)/4, $0xbdad8d43
DATA ggc10<>+12(SB)/4, $0xbdad8d43
DATA ggc10<>+16(SB)/4, $0xbdad8d43
DATA ggc10<>+20(SB)/4, $0xbdad8d43
DATA ggc10<>+24(SB)/4, $0xbdad8d43
DATA ggc10<>+28(SB)/4, $0xbdad8d43
DATA ggc10<>+32(SB)/4, $0xbdad8d43
DATA ggc10<>+36(SB)/4, $0xbdad8d43
DATA ggc10<>+40(SB)/4, $0xbdad8d43
DATA ggc10<>+44(SB)/4, $0xbdad8d43
DATA ggc10<>+48(SB)/4, $0xbdad8d43
DATA ggc10<>+52(SB)/4, $0xbdad8d43
DATA ggc10<>+56(SB)/4, $0xbdad8d43
DATA ggc10<>+60(SB)/4, $0xbdad8d43
GLOBL ggc10<>(SB), RODATA|NOPTR, $64

DATA ggq0hi<>+0(SB)/4, $0x3f4c422a
DATA ggq0hi<>+4(SB)/4, $0x3f4c422a
DATA ggq0hi<>+8(SB)/4, $0x3f4c422a
DATA ggq0hi<>+12(SB)/4, $0x3f4c422a
DATA ggq0hi<>+16(SB)/4, $0x3f4c422a
DATA ggq0hi<>+20(SB)/4, $0x3f4c422a
DATA ggq0hi<>+24(SB)/4, $0x3f4c422a
DATA ggq0hi<>+28(SB)/4, $0x3f4c422a
DATA ggq0hi<>+32(SB)/4, $0x3f4c422a
DATA ggq0hi<>+36(SB)/4, $0x3f4c422a
DATA ggq0hi<>+40(SB)/4, $0x3f4c422a
DATA ggq0hi<>+44(SB)/4, $0x3f4c422a
DATA ggq0hi<>+48(SB)/4, $0x3f4c422a
DATA ggq0hi<>+52(SB)/4, $0x3f4c422a
DATA ggq0hi<>+56(SB)/4, $0x3f4c422a
DATA ggq0hi<>+60(SB)/4, $0x3f4c422a
GLOBL ggq0hi<>(SB), RODATA|NOPTR, $64

DATA ggq0lo<>+0(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+4(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+8(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+12(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+16(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+20(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+24(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+28(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+32(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+36(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+40(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+44(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+48(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+52(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+56(SB)/4, $0xb2c2bc9b
DATA ggq0lo<>+60(SB)/4, $0xb2c2bc9b
GLOBL ggq0lo<>(SB), RODATA|NOPTR, $64

DATA ggq1<>+0(SB)/4, $0xbe882c1c
DATA ggq1<>+4(SB)/4, $0xbe882c1c
DATA ggq1<>+8(SB)/4, $0xbe882c1c
DATA ggq1<>+12(SB)/4, $0xbe882c1c
DATA ggq1<>+16(SB)/4, $0xbe882c1c
DATA ggq1<>+20(SB)/4, $0xbe882c1c
DATA ggq1<>+24(SB)/4, $0xbe882c1c
DATA ggq1<>+28(SB)/4, $0xbe882c1c
DATA ggq1<>+32(SB)/4, $0xbe882c1c
DATA ggq1<>+36(SB)/4, $0xbe882c1c
DATA ggq1<>+40(SB)/4, $0xbe882c1c
DATA ggq1<>+44(SB)/4, $0xbe882c1c
DATA ggq1<>+48(SB)/4, $0xbe882c1c
DATA ggq1<>+52(SB)/4, $0xbe882c1c
DATA ggq1<>+56(SB)/4, $0xbe882c1c
DATA ggq1<>+60(SB)/4, $0xbe882c1c
GLOBL ggq1<>(SB), RODATA|NOPTR, $64

DATA ggq2<>+0(SB)/4, $0x3d751c32
DATA ggq2<>+4(SB)/4, $0x3d751c32
DATA ggq2<>+8(SB)/4, $0x3d751c32
DATA ggq2<>+12(SB)/4, $0x3d751c32
DATA ggq2<>+16(SB)/4, $0x3d751c32
DATA ggq2<>+20(SB)/4, $0x3d751c32
DATA ggq2<>+24(SB)/4, $0x3d751c32
DATA ggq2<>+28(SB)/4, $0x3d751c32
DATA ggq2<>+32(SB)/4, $0x3d751c32
DATA ggq2<>+36(SB)/4, $0x3d751c32
DATA ggq2<>+40(SB)/4, $0x3d751c32
DATA ggq2<>+44(SB)/4, $0x3d751c32
DATA ggq2<>+48(SB)/4, $0x3d751c32
DATA ggq2<>+52(SB)/4, $0x3d751c32
DATA ggq2<>+56(SB)/4, $0x3d751c32
DATA ggq2<>+60(SB)/4, $0x3d751c32
GLOBL ggq2<>(SB), RODATA|NOPTR, $64

DATA ggq3<>+0(SB)/4, $0xbc1ba020
DATA ggq3<>+4(SB)/4, $0xbc1ba020
DATA ggq3<>+8(SB)/4, $0xbc1ba020
DATA ggq3<>+12(SB)/4, $0xbc1ba020
DATA ggq3<>+16(SB)/4, $0xbc1ba020
DATA ggq3<>+20(SB)/4, $0xbc1ba020
DATA ggq3<>+24(SB)/4, $0xbc1ba020
DATA ggq3<>+28(SB)/4, $0xbc1ba020
DATA ggq3<>+32(SB)/4, $0xbc1ba020
DATA ggq3<>+36(SB)/4, $0xbc1ba020
DATA ggq3<>+40(SB)/4, $0xbc1ba020
DATA ggq3<>+44(SB)/4, $0xbc1ba020
DATA ggq3<>+48(SB)/4, $0xbc1ba020
DATA ggq3<>+52(SB)/4, $0xbc1ba020
DATA ggq3<>+56(SB)/4, $0xbc1ba020
DATA ggq3<>+60(SB)/4, $0xbc1ba020
GLOBL ggq3<>(SB), RODATA|NOPTR, $64

DATA ggq4<>+0(SB)/4, $0x3a974d74
DATA ggq4<>+4(SB)/4, $0x3a974d74
DATA ggq4<>+8(SB)/4, $0x3a974d74
DATA ggq4<>+12(SB)/4, $0x3a974d74
DATA ggq4<>+16(SB)/4, $0x3a974d74
DATA ggq4<>+20(SB)/4, $0x3a974d74
DATA ggq4<>+24(SB)/4, $0x3a974d74
DATA ggq4<>+28(SB)/4, $0x3a974d74
DATA ggq4<>+32(SB)/4, $0x3a974d74
DATA ggq4<>+36(SB)/4, $0x3a974d74
DATA ggq4<>+40(SB)/4, $0x3a974d74
DATA ggq4<>+44(SB)/4, $0x3a974d74
DATA ggq4<>+48(SB)/4, $0x3a974d74
DATA ggq4<>+52(SB)/4, $0x3a974d74
DATA ggq4<>+56(SB)/4, $0x3a974d74
DATA ggq4<>+60(SB)/4, $0x3a974d74
GLOBL ggq4<>(SB), RODATA|NOPTR, $64

DATA ggq5<>+0(SB)/4, $0xb8edaebc
DATA ggq5<>+4(SB)/4, $0xb8edaebc
DATA ggq5<>+8(SB)/4, $0xb8edaebc
DATA ggq5<>+12(SB)/4, $0xb8edaebc
DATA ggq5<>+16(SB)/4, $0xb8edaebc
DATA ggq5<>+20(SB)/4, $0xb8edaebc
DATA ggq5<>+24(SB)/4, $0xb8edaebc
DATA ggq5<>+28(SB)/4, $0xb8edaebc
DATA ggq5<>+32(SB)/4, $0xb8edaebc
DATA ggq5<>+36(SB)/4, $0xb8edaebc
DATA ggq5<>+40(SB)/4, $0xb8edaebc
DATA ggq5<>+44(SB)/4, $0xb8edaebc
DATA ggq5<>+48(SB)/4, $0xb8edaebc
DATA ggq5<>+52(SB)/4, $0xb8edaebc
DATA ggq5<>+56(SB)/4, $0xb8edaebc
DATA ggq5<>+60(SB)/4, $0xb8edaebc
GLOBL ggq5<>(SB), RODATA|NOPTR, $64

DATA ggq6<>+0(SB)/4, $0x371c6c6f
DATA ggq6<>+4(SB)/4, $0x371c6c6f
DATA ggq6<>+8(SB)/4, $0x371c6c6f
DATA ggq6<>+12(SB)/4, $0x371c6c6f
DATA ggq6<>+16(SB)/4, $0x371c6c6f
DATA ggq6<>+20(SB)/4, $0x371c6c6f
DATA ggq6<>+24(SB)/4, $0x371c6c6f
DATA ggq6<>+28(SB)/4, $0x371c6c6f
DATA ggq6<>+32(SB)/4, $0x371c6c6f
DATA ggq6<>+36(SB)/4, $0x371c6c6f
DATA ggq6<>+40(SB)/4, $0x371c6c6f
DATA ggq6<>+44(SB)/4, $0x371c6c6f
DATA ggq6<>+48(SB)/4, $0x371c6c6f
DATA ggq6<>+52(SB)/4, $0x371c6c6f
DATA ggq6<>+56(SB)/4, $0x371c6c6f
DATA ggq6<>+60(SB)/4, $0x371c6c6f
GLOBL ggq6<>(SB), RODATA|NOPTR, $64

DATA ggq7<>+0(SB)/4, $0xb5311135
DATA ggq7<>+4(SB)/4, $0xb5311135
DATA ggq7<>+8(SB)/4, $0xb5311135
DATA ggq7<>+12(SB)/4, $0xb5311135
DATA ggq7<>+16(SB)/4, $0xb5311135
DATA ggq7<>+20(SB)/4, $0xb5311135
DATA ggq7<>+24(SB)/4, $0xb5311135
DATA ggq7<>+28(SB)/4, $0xb5311135
DATA ggq7<>+32(SB)/4, $0xb5311135
DATA ggq7<>+36(SB)/4, $0xb5311135
DATA ggq7<>+40(SB)/4, $0xb5311135
DATA ggq7<>+44(SB)/4, $0xb5311135
DATA ggq7<>+48(SB)/4, $0xb5311135
DATA ggq7<>+52(SB)/4, $0xb5311135
DATA ggq7<>+56(SB)/4, $0xb5311135
DATA ggq7<>+60(SB)/4, $0xb5311135
GLOBL ggq7<>(SB), RODATA|NOPTR, $64

DATA ggq8<>+0(SB)/4, $0x332fc3e8
DATA ggq8<>+4(SB)/4, $0x332fc3e8
DATA ggq8<>+8(SB)/4, $0x332fc3e8
DATA ggq8<>+12(SB)/4, $0x332fc3e8
DATA ggq8<>+16(SB)/4, $0x332fc3e8
DATA ggq8<>+20(SB)/4, $0x332fc3e8
DATA ggq8<>+24(SB)/4, $0x332fc3e8
DATA ggq8<>+28(SB)/4, $0x332fc3e8
DATA ggq8<>+32(SB)/4, $0x332fc3e8
DATA ggq8<>+36(SB)/4, $0x332fc3e8
DATA ggq8<>+40(SB)/4, $0x332fc3e8
DATA ggq8<>+44(SB)/4, $0x332fc3e8
DATA ggq8<>+48(SB)/4, $0x332fc3e8
DATA ggq8<>+52(SB)/4, $0x332fc3e8
DATA ggq8<>+56(SB)/4, $0x332fc3e8
DATA ggq8<>+60(SB)/4, $0x332fc3e8
GLOBL ggq8<>(SB), RODATA|NOPTR, $64

DATA gginvsqrt2pi<>+0(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+4(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+8(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+12(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+16(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+20(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+24(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+28(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+32(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+36(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+40(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+44(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+48(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+52(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+56(SB)/4, $0x3ecc422a
DATA gginvsqrt2pi<>+60(SB)/4, $0x3ecc422a
GLOBL gginvsqrt2pi<>(SB), RODATA|NOPTR, $64

DATA ggminnormal<>+0(SB)/4, $0x00800000
DATA ggminnormal<>+4(SB)/4, $0x00800000
DATA ggminnormal<>+8(SB)/4, $0x00800000
DATA ggminnormal<>+12(SB)/4, $0x00800000
DATA ggminnormal<>+16(SB)/4, $0x00800000
DATA ggminnormal<>+20(SB)/4, $0x00800000
DATA ggminnormal<>+24(SB)/4, $0x00800000
DATA ggminnormal<>+28(SB)/4, $0x00800000
DATA ggminnormal<>+32(SB)/4, $0x00800000
DATA ggminnormal<>+36(SB)/4, $0x00800000
DATA ggminnormal<>+40(SB)/4, $0x00800000
DATA ggminnormal<>+44(SB)/4, $0x00800000
DATA ggminnormal<>+48(SB)/4, $0x00800000
DATA ggminnormal<>+52(SB)/4, $0x00800000
DATA ggminnormal<>+56(SB)/4, $0x00800000
DATA ggminnormal<>+60(SB)/4, $0x00800000
GLOBL ggminnormal<>(SB), RODATA|NOPTR, $64

DATA ggmasktab<>+0(SB)/4, $0xffffffff
DATA ggmasktab<>+4(SB)/4, $0xffffffff
DATA ggmasktab<>+8(SB)/4, $0xffffffff
DATA ggmasktab<>+12(SB)/4, $0xffffffff
DATA ggmasktab<>+16(SB)/4, $0xffffffff
DATA ggmasktab<>+20(SB)/4, $0xffffffff
DATA ggmasktab<>+24(SB)/4, $0xffffffff
DATA ggmasktab<>+28(SB)/4, $0xffffffff
DATA ggmasktab<>+32(SB)/4, $0x00000000
DATA ggmasktab<>+36(SB)/4, $0x00000000
DATA ggmasktab<>+40(SB)/4, $0x00000000
DATA ggmasktab<>+44(SB)/4, $0x00000000
DATA ggmasktab<>+48(SB)/4, $0x00000000
DATA ggmasktab<>+52(SB)/4, $0x00000000
DATA ggmasktab<>+56(SB)/4, $0x00000000
DATA ggmasktab<>+60(SB)/4, $0x00000000
GLOBL ggmasktab<>(SB), RODATA|NOPTR, $64

#define YTAILMASK(m) \
	LEAQ    ggmasktab<>+32(SB), AX; \
	SHLQ    $2, CX; \
	SUBQ    CX, AX; \
	VMOVDQU (AX), m

#define ZTAILMASK \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, K1

// GG_EXP_CORE: X = n*ln2 + r; N = n (int32 lanes), Q = e^r - 1. X becomes r; T is
// scratch. X lies in [-98, 0] here, so no clamping: n >= -142 is exact in int32 and
// n*ln2hi is exact.
#define GG_EXP_CORE(X, N, Q, T) \
	VMULPS       gglog2e<>(SB), X, N; \
	VCVTPS2DQ    N, N; \
	VCVTDQ2PS    N, T; \
	VFNMADD231PS ggln2hi<>(SB), T, X; \
	VFNMADD231PS ggln2lo<>(SB), T, X; \
	VMOVUPS      ggexpc8<>(SB), Q; \
	VFMADD213PS  ggexpc7<>(SB), X, Q; \
	VFMADD213PS  ggexpc6<>(SB), X, Q; \
	VFMADD213PS  ggexpc5<>(SB), X, Q; \
	VFMADD213PS  ggexpc4<>(SB), X, Q; \
	VFMADD213PS  ggexpc3<>(SB), X, Q; \
	VFMADD213PS  ggexpc2<>(SB), X, Q; \
	VMULPS       X, X, T; \
	VFMADD213PS  X, T, Q

// GG_TAIL(R, A, S, E, T, F): from A = min(|x|, 14) (kept), S = A*A and E = the exact
// rounding error of S (both consumed), computes
//   R = (k + k*q) * 2^(n>>1) * 2^(n-(n>>1)),  k = (A/sqrt(2pi) - F(A)/2) * (1 - E/2),
// i.e. m = a*phi(a) - Phi(-a), not yet flushed. T, F and the exp registers are scratch.
#define GG_TAIL(R, A, S, E, T, F, N, Q, U) \
	VMULPS       gghalf<>(SB), A, T; \
	VADDPS       ggone<>(SB), T, T; \
	VMOVUPS      ggone<>(SB), F; \
	VDIVPS       T, F, T; \
	VMOVUPS      ggc10<>(SB), F; \
	VFMADD213PS  ggc9<>(SB), T, F; \
	VFMADD213PS  ggc8<>(SB), T, F; \
	VFMADD213PS  ggc7<>(SB), T, F; \
	VFMADD213PS  ggc6<>(SB), T, F; \
	VFMADD213PS  ggc5<>(SB), T, F; \
	VFMADD213PS  ggc4<>(SB), T, F; \
	VFMADD213PS  ggc3<>(SB), T, F; \
	VFMADD213PS  ggc2<>(SB), T, F; \
	VFMADD213PS  ggc1<>(SB), T, F; \
	VFMADD213PS  ggc0<>(SB), T, F; \
	VMULPS       ggmhalf<>(SB), F, F; \
	VFMADD231PS  gginvsqrt2pi<>(SB), A, F; \
	VMULPS       ggmhalf<>(SB), E, E; \
	VADDPS       ggone<>(SB), E, E; \
	VMULPS       E, F, F; \
	VMULPS       ggmhalf<>(SB), S, S; \
	GG_EXP_CORE(S, N, Q, U); \
	VFMADD231PS  Q, F, F; \
	VPSRAD       $1, N, U; \
	VPSUBD       U, N, N; \
	VPADDD       ggbias<>(SB), U, U; \
	VPSLLD       $23, U, U; \
	VMULPS       U, F, F; \
	VPADDD       ggbias<>(SB), N, N; \
	VPSLLD       $23, N, N; \
	VMULPS       N, F, R

// GG_SMALL(R, X, X2, P): R = (1/2 + X*Q0hi) + X*(X2*P + Q0lo), P = Q1 + Q2 X2 + ...
#define GG_SMALL(R, X, X2, P) \
	VMULPS      X, X, X2; \
	VMOVUPS     ggq8<>(SB), P; \
	VFMADD213PS ggq7<>(SB), X2, P; \
	VFMADD213PS ggq6<>(SB), X2, P; \
	VFMADD213PS ggq5<>(SB), X2, P; \
	VFMADD213PS ggq4<>(SB), X2, P; \
	VFMADD213PS ggq3<>(SB), X2, P; \
	VFMADD213PS ggq2<>(SB), X2, P; \
	VFMADD213PS ggq1<>(SB), X2, P; \
	VFMADD213PS ggq0lo<>(SB), X2, P; \
	VMOVUPS     gghalf<>(SB), R; \
	VFMADD231PS ggq0hi<>(SB), X, R; \
	VFMADD231PS P, X, R

// GELUGRAD_Y: Y5 = d(Y0); Y1..Y14 scratch (Y15 is the tail mask).
#define GELUGRAD_Y \
	VANDPS      ggabs<>(SB), Y0, Y6; \
	VMINPS      gga<>(SB), Y6, Y6; \
	VMULPS      Y6, Y6, Y7; \
	VMOVAPS     Y7, Y8; \
	VFMSUB231PS Y6, Y6, Y8; \
	GG_TAIL(Y10, Y6, Y7, Y8, Y9, Y10, Y2, Y3, Y4); \
	VCMPPS      $0x1d, ggminnormal<>(SB), Y10, Y11; \
	VANDPS      Y11, Y10, Y10; \
	VADDPS      ggone<>(SB), Y10, Y4; \
	VXORPS      Y5, Y5, Y5; \
	VSUBPS      Y10, Y5, Y5; \
	VXORPS      Y6, Y6, Y6; \
	VCMPPS      $0x1e, Y6, Y0, Y6; \
	VBLENDVPS   Y6, Y4, Y5, Y5; \
	GG_SMALL(Y13, Y0, Y11, Y12); \
	VANDPS      ggabs<>(SB), Y0, Y14; \
	VCMPPS      $0x12, ggone<>(SB), Y14, Y14; \
	VBLENDVPS   Y14, Y13, Y5, Y5; \
	VCMPPS      $3, Y0, Y0, Y6; \
	VBLENDVPS   Y6, Y0, Y5, Y5

// GELUGRAD_Z: Z5 = d(Z0), the same with opmask K2 for the selects; K1 is the tail.
#define GELUGRAD_Z \
	VPANDD      ggabs<>(SB), Z0, Z6; \
	VMINPS      gga<>(SB), Z6, Z6; \
	VMULPS      Z6, Z6, Z7; \
	VMOVAPS     Z7, Z8; \
	VFMSUB231PS Z6, Z6, Z8; \
	GG_TAIL(Z10, Z6, Z7, Z8, Z9, Z10, Z2, Z3, Z4); \
	VCMPPS      $0x1d, ggminnormal<>(SB), Z10, K2; \
	VMOVAPS.Z   Z10, K2, Z10; \
	VADDPS      ggone<>(SB), Z10, Z4; \
	VPXORD      Z5, Z5, Z5; \
	VSUBPS      Z10, Z5, Z5; \
	VPXORD      Z6, Z6, Z6; \
	VCMPPS      $0x1e, Z6, Z0, K2; \
	VMOVAPS     Z4, K2, Z5; \
	GG_SMALL(Z13, Z0, Z11, Z12); \
	VPANDD      ggabs<>(SB), Z0, Z14; \
	VCMPPS      $0x12, ggone<>(SB), Z14, K2; \
	VMOVAPS     Z13, K2, Z5; \
	VCMPPS      $3, Z0, Z0, K2; \
	VMOVAPS     Z0, K2, Z5

// func gelugradAVX2(dx, g, x []float32)
TEXT ·gelugradAVX2(SB), NOSPLIT, $0-72
	MOVQ dx_base+0(FP), DI
	MOVQ g_base+24(FP), BX
	MOVQ x_base+48(FP), SI
	MOVQ x_len+56(FP), CX

ggYloop:
	CMPQ        CX, $8
	JLT         ggYtail
	VMOVUPS     (SI), Y0
	GELUGRAD_Y
	VMOVUPS     (DI), Y7
	VFMADD231PS (BX), Y5, Y7
	VMOVUPS     Y7, (DI)
	ADDQ        $32, SI
	ADDQ        $32, BX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         ggYloop

ggYtail:
	TESTQ CX, CX
	JZ    ggYdone
	YTAILMASK(Y15)
	VMASKMOVPS  (SI), Y15, Y0
	GELUGRAD_Y
	VMASKMOVPS  (BX), Y15, Y6
	VMASKMOVPS  (DI), Y15, Y7
	VFMADD231PS Y6, Y5, Y7
	VMASKMOVPS  Y7, Y15, (DI)

ggYdone:
	VZEROUPPER
	RET

// func gelugradAVX512(dx, g, x []float32)
TEXT ·gelugradAVX512(SB), NOSPLIT, $0-72
	MOVQ dx_base+0(FP), DI
	MOVQ g_base+24(FP), BX
	MOVQ x_base+48(FP), SI
	MOVQ x_len+56(FP), CX

ggZloop:
	CMPQ        CX, $16
	JLT         ggZtail
	VMOVUPS     (SI), Z0
	GELUGRAD_Z
	VMOVUPS     (DI), Z7
	VFMADD231PS (BX), Z5, Z7
	VMOVUPS     Z7, (DI)
	ADDQ        $64, SI
	ADDQ        $64, BX
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         ggZloop

ggZtail:
	TESTQ CX, CX
	JZ    ggZdone
	ZTAILMASK
	VMOVUPS.Z   (SI), K1, Z0
	GELUGRAD_Z
	VMOVUPS.Z   (BX), K1, Z6
	VMOVUPS.Z   (DI), K1, Z7
	VFMADD231PS Z6, Z5, Z7
	VMOVUPS     Z7, K1, (DI)

ggZdone:
	VZEROUPPER
	RET
