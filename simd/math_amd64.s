//go:build !purego

#include "textflag.h"

// exp, sigmoid, ELU and GELU, AVX2 (ymm) and AVX-512 (zmm): the algorithm of
// math_generic.go (read the error bounds there), with FMAs. One vector per loop
// iteration (the iterations are independent, so out-of-order execution overlaps them),
// then one masked vector for the tail.

// Constants for vec_amd64.s and math_amd64.s: each is 16 copies (64 bytes), so it serves as a
// ymm (first 32 bytes) or zmm memory operand. Values match math_generic.go.

DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
DATA one<>+32(SB)/4, $0x3f800000
DATA one<>+36(SB)/4, $0x3f800000
DATA one<>+40(SB)/4, $0x3f800000
DATA one<>+44(SB)/4, $0x3f800000
DATA one<>+48(SB)/4, $0x3f800000
DATA one<>+52(SB)/4, $0x3f800000
DATA one<>+56(SB)/4, $0x3f800000
DATA one<>+60(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $64

DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
DATA half<>+32(SB)/4, $0x3f000000
DATA half<>+36(SB)/4, $0x3f000000
DATA half<>+40(SB)/4, $0x3f000000
DATA half<>+44(SB)/4, $0x3f000000
DATA half<>+48(SB)/4, $0x3f000000
DATA half<>+52(SB)/4, $0x3f000000
DATA half<>+56(SB)/4, $0x3f000000
DATA half<>+60(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $64

DATA mhalf<>+0(SB)/4, $0xbf000000
DATA mhalf<>+4(SB)/4, $0xbf000000
DATA mhalf<>+8(SB)/4, $0xbf000000
DATA mhalf<>+12(SB)/4, $0xbf000000
DATA mhalf<>+16(SB)/4, $0xbf000000
DATA mhalf<>+20(SB)/4, $0xbf000000
DATA mhalf<>+24(SB)/4, $0xbf000000
DATA mhalf<>+28(SB)/4, $0xbf000000
DATA mhalf<>+32(SB)/4, $0xbf000000
DATA mhalf<>+36(SB)/4, $0xbf000000
DATA mhalf<>+40(SB)/4, $0xbf000000
DATA mhalf<>+44(SB)/4, $0xbf000000
DATA mhalf<>+48(SB)/4, $0xbf000000
DATA mhalf<>+52(SB)/4, $0xbf000000
DATA mhalf<>+56(SB)/4, $0xbf000000
DATA mhalf<>+60(SB)/4, $0xbf000000
GLOBL mhalf<>(SB), RODATA|NOPTR, $64

DATA explo<>+0(SB)/4, $0xc2aeac4f
DATA explo<>+4(SB)/4, $0xc2aeac4f
DATA explo<>+8(SB)/4, $0xc2aeac4f
DATA explo<>+12(SB)/4, $0xc2aeac4f
DATA explo<>+16(SB)/4, $0xc2aeac4f
DATA explo<>+20(SB)/4, $0xc2aeac4f
DATA explo<>+24(SB)/4, $0xc2aeac4f
DATA explo<>+28(SB)/4, $0xc2aeac4f
DATA explo<>+32(SB)/4, $0xc2aeac4f
DATA explo<>+36(SB)/4, $0xc2aeac4f
DATA explo<>+40(SB)/4, $0xc2aeac4f
DATA explo<>+44(SB)/4, $0xc2aeac4f
DATA explo<>+48(SB)/4, $0xc2aeac4f
DATA explo<>+52(SB)/4, $0xc2aeac4f
DATA explo<>+56(SB)/4, $0xc2aeac4f
DATA explo<>+60(SB)/4, $0xc2aeac4f
GLOBL explo<>(SB), RODATA|NOPTR, $64

DATA exphi<>+0(SB)/4, $0x42b17217
DATA exphi<>+4(SB)/4, $0x42b17217
DATA exphi<>+8(SB)/4, $0x42b17217
DATA exphi<>+12(SB)/4, $0x42b17217
DATA exphi<>+16(SB)/4, $0x42b17217
DATA exphi<>+20(SB)/4, $0x42b17217
DATA exphi<>+24(SB)/4, $0x42b17217
DATA exphi<>+28(SB)/4, $0x42b17217
DATA exphi<>+32(SB)/4, $0x42b17217
DATA exphi<>+36(SB)/4, $0x42b17217
DATA exphi<>+40(SB)/4, $0x42b17217
DATA exphi<>+44(SB)/4, $0x42b17217
DATA exphi<>+48(SB)/4, $0x42b17217
DATA exphi<>+52(SB)/4, $0x42b17217
DATA exphi<>+56(SB)/4, $0x42b17217
DATA exphi<>+60(SB)/4, $0x42b17217
GLOBL exphi<>(SB), RODATA|NOPTR, $64

DATA log2e<>+0(SB)/4, $0x3fb8aa3b
DATA log2e<>+4(SB)/4, $0x3fb8aa3b
DATA log2e<>+8(SB)/4, $0x3fb8aa3b
DATA log2e<>+12(SB)/4, $0x3fb8aa3b
DATA log2e<>+16(SB)/4, $0x3fb8aa3b
DATA log2e<>+20(SB)/4, $0x3fb8aa3b
DATA log2e<>+24(SB)/4, $0x3fb8aa3b
DATA log2e<>+28(SB)/4, $0x3fb8aa3b
DATA log2e<>+32(SB)/4, $0x3fb8aa3b
DATA log2e<>+36(SB)/4, $0x3fb8aa3b
DATA log2e<>+40(SB)/4, $0x3fb8aa3b
DATA log2e<>+44(SB)/4, $0x3fb8aa3b
DATA log2e<>+48(SB)/4, $0x3fb8aa3b
DATA log2e<>+52(SB)/4, $0x3fb8aa3b
DATA log2e<>+56(SB)/4, $0x3fb8aa3b
DATA log2e<>+60(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $64

DATA ln2hi<>+0(SB)/4, $0x3f318000
DATA ln2hi<>+4(SB)/4, $0x3f318000
DATA ln2hi<>+8(SB)/4, $0x3f318000
DATA ln2hi<>+12(SB)/4, $0x3f318000
DATA ln2hi<>+16(SB)/4, $0x3f318000
DATA ln2hi<>+20(SB)/4, $0x3f318000
DATA ln2hi<>+24(SB)/4, $0x3f318000
DATA ln2hi<>+28(SB)/4, $0x3f318000
DATA ln2hi<>+32(SB)/4, $0x3f318000
DATA ln2hi<>+36(SB)/4, $0x3f318000
DATA ln2hi<>+40(SB)/4, $0x3f318000
DATA ln2hi<>+44(SB)/4, $0x3f318000
DATA ln2hi<>+48(SB)/4, $0x3f318000
DATA ln2hi<>+52(SB)/4, $0x3f318000
DATA ln2hi<>+56(SB)/4, $0x3f318000
DATA ln2hi<>+60(SB)/4, $0x3f318000
GLOBL ln2hi<>(SB), RODATA|NOPTR, $64

DATA ln2lo<>+0(SB)/4, $0xb95e8083
DATA ln2lo<>+4(SB)/4, $0xb95e8083
DATA ln2lo<>+8(SB)/4, $0xb95e8083
DATA ln2lo<>+12(SB)/4, $0xb95e8083
DATA ln2lo<>+16(SB)/4, $0xb95e8083
DATA ln2lo<>+20(SB)/4, $0xb95e8083
DATA ln2lo<>+24(SB)/4, $0xb95e8083
DATA ln2lo<>+28(SB)/4, $0xb95e8083
DATA ln2lo<>+32(SB)/4, $0xb95e8083
DATA ln2lo<>+36(SB)/4, $0xb95e8083
DATA ln2lo<>+40(SB)/4, $0xb95e8083
DATA ln2lo<>+44(SB)/4, $0xb95e8083
DATA ln2lo<>+48(SB)/4, $0xb95e8083
DATA ln2lo<>+52(SB)/4, $0xb95e8083
DATA ln2lo<>+56(SB)/4, $0xb95e8083
DATA ln2lo<>+60(SB)/4, $0xb95e8083
GLOBL ln2lo<>(SB), RODATA|NOPTR, $64

DATA expc2<>+0(SB)/4, $0x3f000000
DATA expc2<>+4(SB)/4, $0x3f000000
DATA expc2<>+8(SB)/4, $0x3f000000
DATA expc2<>+12(SB)/4, $0x3f000000
DATA expc2<>+16(SB)/4, $0x3f000000
DATA expc2<>+20(SB)/4, $0x3f000000
DATA expc2<>+24(SB)/4, $0x3f000000
DATA expc2<>+28(SB)/4, $0x3f000000
DATA expc2<>+32(SB)/4, $0x3f000000
DATA expc2<>+36(SB)/4, $0x3f000000
DATA expc2<>+40(SB)/4, $0x3f000000
DATA expc2<>+44(SB)/4, $0x3f000000
DATA expc2<>+48(SB)/4, $0x3f000000
DATA expc2<>+52(SB)/4, $0x3f000000
DATA expc2<>+56(SB)/4, $0x3f000000
DATA expc2<>+60(SB)/4, $0x3f000000
GLOBL expc2<>(SB), RODATA|NOPTR, $64

DATA expc3<>+0(SB)/4, $0x3e2aaaab
DATA expc3<>+4(SB)/4, $0x3e2aaaab
DATA expc3<>+8(SB)/4, $0x3e2aaaab
DATA expc3<>+12(SB)/4, $0x3e2aaaab
DATA expc3<>+16(SB)/4, $0x3e2aaaab
DATA expc3<>+20(SB)/4, $0x3e2aaaab
DATA expc3<>+24(SB)/4, $0x3e2aaaab
DATA expc3<>+28(SB)/4, $0x3e2aaaab
DATA expc3<>+32(SB)/4, $0x3e2aaaab
DATA expc3<>+36(SB)/4, $0x3e2aaaab
DATA expc3<>+40(SB)/4, $0x3e2aaaab
DATA expc3<>+44(SB)/4, $0x3e2aaaab
DATA expc3<>+48(SB)/4, $0x3e2aaaab
DATA expc3<>+52(SB)/4, $0x3e2aaaab
DATA expc3<>+56(SB)/4, $0x3e2aaaab
DATA expc3<>+60(SB)/4, $0x3e2aaaab
GLOBL expc3<>(SB), RODATA|NOPTR, $64

DATA expc4<>+0(SB)/4, $0x3d2aaaab
DATA expc4<>+4(SB)/4, $0x3d2aaaab
DATA expc4<>+8(SB)/4, $0x3d2aaaab
DATA expc4<>+12(SB)/4, $0x3d2aaaab
DATA expc4<>+16(SB)/4, $0x3d2aaaab
DATA expc4<>+20(SB)/4, $0x3d2aaaab
DATA expc4<>+24(SB)/4, $0x3d2aaaab
DATA expc4<>+28(SB)/4, $0x3d2aaaab
DATA expc4<>+32(SB)/4, $0x3d2aaaab
DATA expc4<>+36(SB)/4, $0x3d2aaaab
DATA expc4<>+40(SB)/4, $0x3d2aaaab
DATA expc4<>+44(SB)/4, $0x3d2aaaab
DATA expc4<>+48(SB)/4, $0x3d2aaaab
DATA expc4<>+52(SB)/4, $0x3d2aaaab
DATA expc4<>+56(SB)/4, $0x3d2aaaab
DATA expc4<>+60(SB)/4, $0x3d2aaaab
GLOBL expc4<>(SB), RODATA|NOPTR, $64

DATA expc5<>+0(SB)/4, $0x3c088889
DATA expc5<>+4(SB)/4, $0x3c088889
DATA expc5<>+8(SB)/4, $0x3c088889
DATA expc5<>+12(SB)/4, $0x3c088889
DATA expc5<>+16(SB)/4, $0x3c088889
DATA expc5<>+20(SB)/4, $0x3c088889
DATA expc5<>+24(SB)/4, $0x3c088889
DATA expc5<>+28(SB)/4, $0x3c088889
DATA expc5<>+32(SB)/4, $0x3c088889
DATA expc5<>+36(SB)/4, $0x3c088889
DATA expc5<>+40(SB)/4, $0x3c088889
DATA expc5<>+44(SB)/4, $0x3c088889
DATA expc5<>+48(SB)/4, $0x3c088889
DATA expc5<>+52(SB)/4, $0x3c088889
DATA expc5<>+56(SB)/4, $0x3c088889
DATA expc5<>+60(SB)/4, $0x3c088889
GLOBL expc5<>(SB), RODATA|NOPTR, $64

DATA expc6<>+0(SB)/4, $0x3ab60b61
DATA expc6<>+4(SB)/4, $0x3ab60b61
DATA expc6<>+8(SB)/4, $0x3ab60b61
DATA expc6<>+12(SB)/4, $0x3ab60b61
DATA expc6<>+16(SB)/4, $0x3ab60b61
DATA expc6<>+20(SB)/4, $0x3ab60b61
DATA expc6<>+24(SB)/4, $0x3ab60b61
DATA expc6<>+28(SB)/4, $0x3ab60b61
DATA expc6<>+32(SB)/4, $0x3ab60b61
DATA expc6<>+36(SB)/4, $0x3ab60b61
DATA expc6<>+40(SB)/4, $0x3ab60b61
DATA expc6<>+44(SB)/4, $0x3ab60b61
DATA expc6<>+48(SB)/4, $0x3ab60b61
DATA expc6<>+52(SB)/4, $0x3ab60b61
DATA expc6<>+56(SB)/4, $0x3ab60b61
DATA expc6<>+60(SB)/4, $0x3ab60b61
GLOBL expc6<>(SB), RODATA|NOPTR, $64

DATA expc7<>+0(SB)/4, $0x39500d01
DATA expc7<>+4(SB)/4, $0x39500d01
DATA expc7<>+8(SB)/4, $0x39500d01
DATA expc7<>+12(SB)/4, $0x39500d01
DATA expc7<>+16(SB)/4, $0x39500d01
DATA expc7<>+20(SB)/4, $0x39500d01
DATA expc7<>+24(SB)/4, $0x39500d01
DATA expc7<>+28(SB)/4, $0x39500d01
DATA expc7<>+32(SB)/4, $0x39500d01
DATA expc7<>+36(SB)/4, $0x39500d01
DATA expc7<>+40(SB)/4, $0x39500d01
DATA expc7<>+44(SB)/4, $0x39500d01
DATA expc7<>+48(SB)/4, $0x39500d01
DATA expc7<>+52(SB)/4, $0x39500d01
DATA expc7<>+56(SB)/4, $0x39500d01
DATA expc7<>+60(SB)/4, $0x39500d01
GLOBL expc7<>(SB), RODATA|NOPTR, $64

DATA expc8<>+0(SB)/4, $0x37d00d01
DATA expc8<>+4(SB)/4, $0x37d00d01
DATA expc8<>+8(SB)/4, $0x37d00d01
DATA expc8<>+12(SB)/4, $0x37d00d01
DATA expc8<>+16(SB)/4, $0x37d00d01
DATA expc8<>+20(SB)/4, $0x37d00d01
DATA expc8<>+24(SB)/4, $0x37d00d01
DATA expc8<>+28(SB)/4, $0x37d00d01
DATA expc8<>+32(SB)/4, $0x37d00d01
DATA expc8<>+36(SB)/4, $0x37d00d01
DATA expc8<>+40(SB)/4, $0x37d00d01
DATA expc8<>+44(SB)/4, $0x37d00d01
DATA expc8<>+48(SB)/4, $0x37d00d01
DATA expc8<>+52(SB)/4, $0x37d00d01
DATA expc8<>+56(SB)/4, $0x37d00d01
DATA expc8<>+60(SB)/4, $0x37d00d01
GLOBL expc8<>(SB), RODATA|NOPTR, $64

DATA pinf<>+0(SB)/4, $0x7f800000
DATA pinf<>+4(SB)/4, $0x7f800000
DATA pinf<>+8(SB)/4, $0x7f800000
DATA pinf<>+12(SB)/4, $0x7f800000
DATA pinf<>+16(SB)/4, $0x7f800000
DATA pinf<>+20(SB)/4, $0x7f800000
DATA pinf<>+24(SB)/4, $0x7f800000
DATA pinf<>+28(SB)/4, $0x7f800000
DATA pinf<>+32(SB)/4, $0x7f800000
DATA pinf<>+36(SB)/4, $0x7f800000
DATA pinf<>+40(SB)/4, $0x7f800000
DATA pinf<>+44(SB)/4, $0x7f800000
DATA pinf<>+48(SB)/4, $0x7f800000
DATA pinf<>+52(SB)/4, $0x7f800000
DATA pinf<>+56(SB)/4, $0x7f800000
DATA pinf<>+60(SB)/4, $0x7f800000
GLOBL pinf<>(SB), RODATA|NOPTR, $64

DATA ninf<>+0(SB)/4, $0xff800000
DATA ninf<>+4(SB)/4, $0xff800000
DATA ninf<>+8(SB)/4, $0xff800000
DATA ninf<>+12(SB)/4, $0xff800000
DATA ninf<>+16(SB)/4, $0xff800000
DATA ninf<>+20(SB)/4, $0xff800000
DATA ninf<>+24(SB)/4, $0xff800000
DATA ninf<>+28(SB)/4, $0xff800000
DATA ninf<>+32(SB)/4, $0xff800000
DATA ninf<>+36(SB)/4, $0xff800000
DATA ninf<>+40(SB)/4, $0xff800000
DATA ninf<>+44(SB)/4, $0xff800000
DATA ninf<>+48(SB)/4, $0xff800000
DATA ninf<>+52(SB)/4, $0xff800000
DATA ninf<>+56(SB)/4, $0xff800000
DATA ninf<>+60(SB)/4, $0xff800000
GLOBL ninf<>(SB), RODATA|NOPTR, $64

DATA absmask<>+0(SB)/4, $0x7fffffff
DATA absmask<>+4(SB)/4, $0x7fffffff
DATA absmask<>+8(SB)/4, $0x7fffffff
DATA absmask<>+12(SB)/4, $0x7fffffff
DATA absmask<>+16(SB)/4, $0x7fffffff
DATA absmask<>+20(SB)/4, $0x7fffffff
DATA absmask<>+24(SB)/4, $0x7fffffff
DATA absmask<>+28(SB)/4, $0x7fffffff
DATA absmask<>+32(SB)/4, $0x7fffffff
DATA absmask<>+36(SB)/4, $0x7fffffff
DATA absmask<>+40(SB)/4, $0x7fffffff
DATA absmask<>+44(SB)/4, $0x7fffffff
DATA absmask<>+48(SB)/4, $0x7fffffff
DATA absmask<>+52(SB)/4, $0x7fffffff
DATA absmask<>+56(SB)/4, $0x7fffffff
DATA absmask<>+60(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $64

DATA bias127<>+0(SB)/4, $0x0000007f
DATA bias127<>+4(SB)/4, $0x0000007f
DATA bias127<>+8(SB)/4, $0x0000007f
DATA bias127<>+12(SB)/4, $0x0000007f
DATA bias127<>+16(SB)/4, $0x0000007f
DATA bias127<>+20(SB)/4, $0x0000007f
DATA bias127<>+24(SB)/4, $0x0000007f
DATA bias127<>+28(SB)/4, $0x0000007f
DATA bias127<>+32(SB)/4, $0x0000007f
DATA bias127<>+36(SB)/4, $0x0000007f
DATA bias127<>+40(SB)/4, $0x0000007f
DATA bias127<>+44(SB)/4, $0x0000007f
DATA bias127<>+48(SB)/4, $0x0000007f
DATA bias127<>+52(SB)/4, $0x0000007f
DATA bias127<>+56(SB)/4, $0x0000007f
DATA bias127<>+60(SB)/4, $0x0000007f
GLOBL bias127<>(SB), RODATA|NOPTR, $64

DATA gelua<>+0(SB)/4, $0x41600000
DATA gelua<>+4(SB)/4, $0x41600000
DATA gelua<>+8(SB)/4, $0x41600000
DATA gelua<>+12(SB)/4, $0x41600000
DATA gelua<>+16(SB)/4, $0x41600000
DATA gelua<>+20(SB)/4, $0x41600000
DATA gelua<>+24(SB)/4, $0x41600000
DATA gelua<>+28(SB)/4, $0x41600000
DATA gelua<>+32(SB)/4, $0x41600000
DATA gelua<>+36(SB)/4, $0x41600000
DATA gelua<>+40(SB)/4, $0x41600000
DATA gelua<>+44(SB)/4, $0x41600000
DATA gelua<>+48(SB)/4, $0x41600000
DATA gelua<>+52(SB)/4, $0x41600000
DATA gelua<>+56(SB)/4, $0x41600000
DATA gelua<>+60(SB)/4, $0x41600000
GLOBL gelua<>(SB), RODATA|NOPTR, $64

DATA mgelua<>+0(SB)/4, $0xc1600000
DATA mgelua<>+4(SB)/4, $0xc1600000
DATA mgelua<>+8(SB)/4, $0xc1600000
DATA mgelua<>+12(SB)/4, $0xc1600000
DATA mgelua<>+16(SB)/4, $0xc1600000
DATA mgelua<>+20(SB)/4, $0xc1600000
DATA mgelua<>+24(SB)/4, $0xc1600000
DATA mgelua<>+28(SB)/4, $0xc1600000
DATA mgelua<>+32(SB)/4, $0xc1600000
DATA mgelua<>+36(SB)/4, $0xc1600000
DATA mgelua<>+40(SB)/4, $0xc1600000
DATA mgelua<>+44(SB)/4, $0xc1600000
DATA mgelua<>+48(SB)/4, $0xc1600000
DATA mgelua<>+52(SB)/4, $0xc1600000
DATA mgelua<>+56(SB)/4, $0xc1600000
DATA mgelua<>+60(SB)/4, $0xc1600000
GLOBL mgelua<>(SB), RODATA|NOPTR, $64

DATA geluc0<>+0(SB)/4, $0xb6f3f7a7
DATA geluc0<>+4(SB)/4, $0xb6f3f7a7
DATA geluc0<>+8(SB)/4, $0xb6f3f7a7
DATA geluc0<>+12(SB)/4, $0xb6f3f7a7
DATA geluc0<>+16(SB)/4, $0xb6f3f7a7
DATA geluc0<>+20(SB)/4, $0xb6f3f7a7
DATA geluc0<>+24(SB)/4, $0xb6f3f7a7
DATA geluc0<>+28(SB)/4, $0xb6f3f7a7
DATA geluc0<>+32(SB)/4, $0xb6f3f7a7
DATA geluc0<>+36(SB)/4, $0xb6f3f7a7
DATA geluc0<>+40(SB)/4, $0xb6f3f7a7
DATA geluc0<>+44(SB)/4, $0xb6f3f7a7
DATA geluc0<>+48(SB)/4, $0xb6f3f7a7
DATA geluc0<>+52(SB)/4, $0xb6f3f7a7
DATA geluc0<>+56(SB)/4, $0xb6f3f7a7
DATA geluc0<>+60(SB)/4, $0xb6f3f7a7
GLOBL geluc0<>(SB), RODATA|NOPTR, $64

DATA geluc1<>+0(SB)/4, $0x3ecc6446
DATA geluc1<>+4(SB)/4, $0x3ecc6446
DATA geluc1<>+8(SB)/4, $0x3ecc6446
DATA geluc1<>+12(SB)/4, $0x3ecc6446
DATA geluc1<>+16(SB)/4, $0x3ecc6446
DATA geluc1<>+20(SB)/4, $0x3ecc6446
DATA geluc1<>+24(SB)/4, $0x3ecc6446
DATA geluc1<>+28(SB)/4, $0x3ecc6446
DATA geluc1<>+32(SB)/4, $0x3ecc6446
DATA geluc1<>+36(SB)/4, $0x3ecc6446
DATA geluc1<>+40(SB)/4, $0x3ecc6446
DATA geluc1<>+44(SB)/4, $0x3ecc6446
DATA geluc1<>+48(SB)/4, $0x3ecc6446
DATA geluc1<>+52(SB)/4, $0x3ecc6446
DATA geluc1<>+56(SB)/4, $0x3ecc6446
DATA geluc1<>+60(SB)/4, $0x3ecc6446
GLOBL geluc1<>(SB), RODATA|NOPTR, $64

DATA geluc2<>+0(SB)/4, $0x3eca3299
DATA geluc2<>+4(SB)/4, $0x3eca3299
DATA geluc2<>+8(SB)/4, $0x3eca3299
DATA geluc2<>+12(SB)/4, $0x3eca3299
DATA geluc2<>+16(SB)/4, $0x3eca3299
DATA geluc2<>+20(SB)/4, $0x3eca3299
DATA geluc2<>+24(SB)/4, $0x3eca3299
DATA geluc2<>+28(SB)/4, $0x3eca3299
DATA geluc2<>+32(SB)/4, $0x3eca3299
DATA geluc2<>+36(SB)/4, $0x3eca3299
DATA geluc2<>+40(SB)/4, $0x3eca3299
DATA geluc2<>+44(SB)/4, $0x3eca3299
DATA geluc2<>+48(SB)/4, $0x3eca3299
DATA geluc2<>+52(SB)/4, $0x3eca3299
DATA geluc2<>+56(SB)/4, $0x3eca3299
DATA geluc2<>+60(SB)/4, $0x3eca3299
GLOBL geluc2<>(SB), RODATA|NOPTR, $64

DATA geluc3<>+0(SB)/4, $0x3eab53b0
DATA geluc3<>+4(SB)/4, $0x3eab53b0
DATA geluc3<>+8(SB)/4, $0x3eab53b0
DATA geluc3<>+12(SB)/4, $0x3eab53b0
DATA geluc3<>+16(SB)/4, $0x3eab53b0
DATA geluc3<>+20(SB)/4, $0x3eab53b0
DATA geluc3<>+24(SB)/4, $0x3eab53b0
DATA geluc3<>+28(SB)/4, $0x3eab53b0
DATA geluc3<>+32(SB)/4, $0x3eab53b0
DATA geluc3<>+36(SB)/4, $0x3eab53b0
DATA geluc3<>+40(SB)/4, $0x3eab53b0
DATA geluc3<>+44(SB)/4, $0x3eab53b0
DATA geluc3<>+48(SB)/4, $0x3eab53b0
DATA geluc3<>+52(SB)/4, $0x3eab53b0
DATA geluc3<>+56(SB)/4, $0x3eab53b0
DATA geluc3<>+60(SB)/4, $0x3eab53b0
GLOBL geluc3<>(SB), RODATA|NOPTR, $64

DATA geluc4<>+0(SB)/4, $0xbdc56a64
DATA geluc4<>+4(SB)/4, $0xbdc56a64
DATA geluc4<>+8(SB)/4, $0xbdc56a64
DATA geluc4<>+12(SB)/4, $0xbdc56a64
DATA geluc4<>+16(SB)/4, $0xbdc56a64
DATA geluc4<>+20(SB)/4, $0xbdc56a64
DATA geluc4<>+24(SB)/4, $0xbdc56a64
DATA geluc4<>+28(SB)/4, $0xbdc56a64
DATA geluc4<>+32(SB)/4, $0xbdc56a64
DATA geluc4<>+36(SB)/4, $0xbdc56a64
DATA geluc4<>+40(SB)/4, $0xbdc56a64
DATA geluc4<>+44(SB)/4, $0xbdc56a64
DATA geluc4<>+48(SB)/4, $0xbdc56a64
DATA geluc4<>+52(SB)/4, $0xbdc56a64
DATA geluc4<>+56(SB)/4, $0xbdc56a64
DATA geluc4<>+60(SB)/4, $0xbdc56a64
GLOBL geluc4<>(SB), RODATA|NOPTR, $64

DATA geluc5<>+0(SB)/4, $0x3f162a27
DATA geluc5<>+4(SB)/4, $0x3f162a27
DATA geluc5<>+8(SB)/4, $0x3f162a27
DATA geluc5<>+12(SB)/4, $0x3f162a27
DATA geluc5<>+16(SB)/4, $0x3f162a27
DATA geluc5<>+20(SB)/4, $0x3f162a27
DATA geluc5<>+24(SB)/4, $0x3f162a27
DATA geluc5<>+28(SB)/4, $0x3f162a27
DATA geluc5<>+32(SB)/4, $0x3f162a27
DATA geluc5<>+36(SB)/4, $0x3f162a27
DATA geluc5<>+40(SB)/4, $0x3f162a27
DATA geluc5<>+44(SB)/4, $0x3f162a27
DATA geluc5<>+48(SB)/4, $0x3f162a27
DATA geluc5<>+52(SB)/4, $0x3f162a27
DATA geluc5<>+56(SB)/4, $0x3f162a27
DATA geluc5<>+60(SB)/4, $0x3f162a27
GLOBL geluc5<>(SB), RODATA|NOPTR, $64

DATA geluc6<>+0(SB)/4, $0xbff4b556
DATA geluc6<>+4(SB)/4, $0xbff4b556
DATA geluc6<>+8(SB)/4, $0xbff4b556
DATA geluc6<>+12(SB)/4, $0xbff4b556
DATA geluc6<>+16(SB)/4, $0xbff4b556
DATA geluc6<>+20(SB)/4, $0xbff4b556
DATA geluc6<>+24(SB)/4, $0xbff4b556
DATA geluc6<>+28(SB)/4, $0xbff4b556
DATA geluc6<>+32(SB)/4, $0xbff4b556
DATA geluc6<>+36(SB)/4, $0xbff4b556
DATA geluc6<>+40(SB)/4, $0xbff4b556
DATA geluc6<>+44(SB)/4, $0xbff4b556
DATA geluc6<>+48(SB)/4, $0xbff4b556
DATA geluc6<>+52(SB)/4, $0xbff4b556
DATA geluc6<>+56(SB)/4, $0xbff4b556
DATA geluc6<>+60(SB)/4, $0xbff4b556
GLOBL geluc6<>(SB), RODATA|NOPTR, $64

DATA geluc7<>+0(SB)/4, $0x401a68b9
DATA geluc7<>+4(SB)/4, $0x401a68b9
DATA geluc7<>+8(SB)/4, $0x401a68b9
DATA geluc7<>+12(SB)/4, $0x401a68b9
DATA geluc7<>+16(SB)/4, $0x401a68b9
DATA geluc7<>+20(SB)/4, $0x401a68b9
DATA geluc7<>+24(SB)/4, $0x401a68b9
DATA geluc7<>+28(SB)/4, $0x401a68b9
DATA geluc7<>+32(SB)/4, $0x401a68b9
DATA geluc7<>+36(SB)/4, $0x401a68b9
DATA geluc7<>+40(SB)/4, $0x401a68b9
DATA geluc7<>+44(SB)/4, $0x401a68b9
DATA geluc7<>+48(SB)/4, $0x401a68b9
DATA geluc7<>+52(SB)/4, $0x401a68b9
DATA geluc7<>+56(SB)/4, $0x401a68b9
DATA geluc7<>+60(SB)/4, $0x401a68b9
GLOBL geluc7<>(SB), RODATA|NOPTR, $64

DATA geluc8<>+0(SB)/4, $0xbfccdd77
DATA geluc8<>+4(SB)/4, $0xbfccdd77
DATA geluc8<>+8(SB)/4, $0xbfccdd77
DATA geluc8<>+12(SB)/4, $0xbfccdd77
DATA geluc8<>+16(SB)/4, $0xbfccdd77
DATA geluc8<>+20(SB)/4, $0xbfccdd77
DATA geluc8<>+24(SB)/4, $0xbfccdd77
DATA geluc8<>+28(SB)/4, $0xbfccdd77
DATA geluc8<>+32(SB)/4, $0xbfccdd77
DATA geluc8<>+36(SB)/4, $0xbfccdd77
DATA geluc8<>+40(SB)/4, $0xbfccdd77
DATA geluc8<>+44(SB)/4, $0xbfccdd77
DATA geluc8<>+48(SB)/4, $0xbfccdd77
DATA geluc8<>+52(SB)/4, $0xbfccdd77
DATA geluc8<>+56(SB)/4, $0xbfccdd77
DATA geluc8<>+60(SB)/4, $0xbfccdd77
GLOBL geluc8<>(SB), RODATA|NOPTR, $64

DATA geluc9<>+0(SB)/4, $0x3f10c2b6
DATA geluc9<>+4(SB)/4, $0x3f10c2b6
DATA geluc9<>+8(SB)/4, $0x3f10c2b6
DATA geluc9<>+12(SB)/4, $0x3f10c2b6
DATA geluc9<>+16(SB)/4, $0x3f10c2b6
DATA geluc9<>+20(SB)/4, $0x3f10c2b6
DATA geluc9<>+24(SB)/4, $0x3f10c2b6
DATA geluc9<>+28(SB)/4, $0x3f10c2b6
DATA geluc9<>+32(SB)/4, $0x3f10c2b6
DATA geluc9<>+36(SB)/4, $0x3f10c2b6
DATA geluc9<>+40(SB)/4, $0x3f10c2b6
DATA geluc9<>+44(SB)/4, $0x3f10c2b6
DATA geluc9<>+48(SB)/4, $0x3f10c2b6
DATA geluc9<>+52(SB)/4, $0x3f10c2b6
DATA geluc9<>+56(SB)/4, $0x3f10c2b6
DATA geluc9<>+60(SB)/4, $0x3f10c2b6
GLOBL geluc9<>(SB), RODATA|NOPTR, $64

DATA geluc10<>+0(SB)/4, $0xbdad8d43
DATA geluc10<>+4(SB)/4, $0xbdad8d43
DATA geluc10<>+8(SB)/4, $0xbdad8d43
DATA geluc10<>+12(SB)/4, $0xbdad8d43
DATA geluc10<>+16(SB)/4, $0xbdad8d43
DATA geluc10<>+20(SB)/4, $0xbdad8d43
DATA geluc10<>+24(SB)/4, $0xbdad8d43
DATA geluc10<>+28(SB)/4, $0xbdad8d43
DATA geluc10<>+32(SB)/4, $0xbdad8d43
DATA geluc10<>+36(SB)/4, $0xbdad8d43
DATA geluc10<>+40(SB)/4, $0xbdad8d43
DATA geluc10<>+44(SB)/4, $0xbdad8d43
DATA geluc10<>+48(SB)/4, $0xbdad8d43
DATA geluc10<>+52(SB)/4, $0xbdad8d43
DATA geluc10<>+56(SB)/4, $0xbdad8d43
DATA geluc10<>+60(SB)/4, $0xbdad8d43
GLOBL geluc10<>(SB), RODATA|NOPTR, $64

DATA gelus0<>+0(SB)/4, $0x3ecc422a
DATA gelus0<>+4(SB)/4, $0x3ecc422a
DATA gelus0<>+8(SB)/4, $0x3ecc422a
DATA gelus0<>+12(SB)/4, $0x3ecc422a
DATA gelus0<>+16(SB)/4, $0x3ecc422a
DATA gelus0<>+20(SB)/4, $0x3ecc422a
DATA gelus0<>+24(SB)/4, $0x3ecc422a
DATA gelus0<>+28(SB)/4, $0x3ecc422a
DATA gelus0<>+32(SB)/4, $0x3ecc422a
DATA gelus0<>+36(SB)/4, $0x3ecc422a
DATA gelus0<>+40(SB)/4, $0x3ecc422a
DATA gelus0<>+44(SB)/4, $0x3ecc422a
DATA gelus0<>+48(SB)/4, $0x3ecc422a
DATA gelus0<>+52(SB)/4, $0x3ecc422a
DATA gelus0<>+56(SB)/4, $0x3ecc422a
DATA gelus0<>+60(SB)/4, $0x3ecc422a
GLOBL gelus0<>(SB), RODATA|NOPTR, $64

DATA gelus1<>+0(SB)/4, $0xbd882c1c
DATA gelus1<>+4(SB)/4, $0xbd882c1c
DATA gelus1<>+8(SB)/4, $0xbd882c1c
DATA gelus1<>+12(SB)/4, $0xbd882c1c
DATA gelus1<>+16(SB)/4, $0xbd882c1c
DATA gelus1<>+20(SB)/4, $0xbd882c1c
DATA gelus1<>+24(SB)/4, $0xbd882c1c
DATA gelus1<>+28(SB)/4, $0xbd882c1c
DATA gelus1<>+32(SB)/4, $0xbd882c1c
DATA gelus1<>+36(SB)/4, $0xbd882c1c
DATA gelus1<>+40(SB)/4, $0xbd882c1c
DATA gelus1<>+44(SB)/4, $0xbd882c1c
DATA gelus1<>+48(SB)/4, $0xbd882c1c
DATA gelus1<>+52(SB)/4, $0xbd882c1c
DATA gelus1<>+56(SB)/4, $0xbd882c1c
DATA gelus1<>+60(SB)/4, $0xbd882c1c
GLOBL gelus1<>(SB), RODATA|NOPTR, $64

DATA gelus2<>+0(SB)/4, $0x3c236821
DATA gelus2<>+4(SB)/4, $0x3c236821
DATA gelus2<>+8(SB)/4, $0x3c236821
DATA gelus2<>+12(SB)/4, $0x3c236821
DATA gelus2<>+16(SB)/4, $0x3c236821
DATA gelus2<>+20(SB)/4, $0x3c236821
DATA gelus2<>+24(SB)/4, $0x3c236821
DATA gelus2<>+28(SB)/4, $0x3c236821
DATA gelus2<>+32(SB)/4, $0x3c236821
DATA gelus2<>+36(SB)/4, $0x3c236821
DATA gelus2<>+40(SB)/4, $0x3c236821
DATA gelus2<>+44(SB)/4, $0x3c236821
DATA gelus2<>+48(SB)/4, $0x3c236821
DATA gelus2<>+52(SB)/4, $0x3c236821
DATA gelus2<>+56(SB)/4, $0x3c236821
DATA gelus2<>+60(SB)/4, $0x3c236821
GLOBL gelus2<>(SB), RODATA|NOPTR, $64

DATA gelus3<>+0(SB)/4, $0xba9ba020
DATA gelus3<>+4(SB)/4, $0xba9ba020
DATA gelus3<>+8(SB)/4, $0xba9ba020
DATA gelus3<>+12(SB)/4, $0xba9ba020
DATA gelus3<>+16(SB)/4, $0xba9ba020
DATA gelus3<>+20(SB)/4, $0xba9ba020
DATA gelus3<>+24(SB)/4, $0xba9ba020
DATA gelus3<>+28(SB)/4, $0xba9ba020
DATA gelus3<>+32(SB)/4, $0xba9ba020
DATA gelus3<>+36(SB)/4, $0xba9ba020
DATA gelus3<>+40(SB)/4, $0xba9ba020
DATA gelus3<>+44(SB)/4, $0xba9ba020
DATA gelus3<>+48(SB)/4, $0xba9ba020
DATA gelus3<>+52(SB)/4, $0xba9ba020
DATA gelus3<>+56(SB)/4, $0xba9ba020
DATA gelus3<>+60(SB)/4, $0xba9ba020
GLOBL gelus3<>(SB), RODATA|NOPTR, $64

DATA gelus4<>+0(SB)/4, $0x38f21587
DATA gelus4<>+4(SB)/4, $0x38f21587
DATA gelus4<>+8(SB)/4, $0x38f21587
DATA gelus4<>+12(SB)/4, $0x38f21587
DATA gelus4<>+16(SB)/4, $0x38f21587
DATA gelus4<>+20(SB)/4, $0x38f21587
DATA gelus4<>+24(SB)/4, $0x38f21587
DATA gelus4<>+28(SB)/4, $0x38f21587
DATA gelus4<>+32(SB)/4, $0x38f21587
DATA gelus4<>+36(SB)/4, $0x38f21587
DATA gelus4<>+40(SB)/4, $0x38f21587
DATA gelus4<>+44(SB)/4, $0x38f21587
DATA gelus4<>+48(SB)/4, $0x38f21587
DATA gelus4<>+52(SB)/4, $0x38f21587
DATA gelus4<>+56(SB)/4, $0x38f21587
DATA gelus4<>+60(SB)/4, $0x38f21587
GLOBL gelus4<>(SB), RODATA|NOPTR, $64

DATA gelus5<>+0(SB)/4, $0xb71e747d
DATA gelus5<>+4(SB)/4, $0xb71e747d
DATA gelus5<>+8(SB)/4, $0xb71e747d
DATA gelus5<>+12(SB)/4, $0xb71e747d
DATA gelus5<>+16(SB)/4, $0xb71e747d
DATA gelus5<>+20(SB)/4, $0xb71e747d
DATA gelus5<>+24(SB)/4, $0xb71e747d
DATA gelus5<>+28(SB)/4, $0xb71e747d
DATA gelus5<>+32(SB)/4, $0xb71e747d
DATA gelus5<>+36(SB)/4, $0xb71e747d
DATA gelus5<>+40(SB)/4, $0xb71e747d
DATA gelus5<>+44(SB)/4, $0xb71e747d
DATA gelus5<>+48(SB)/4, $0xb71e747d
DATA gelus5<>+52(SB)/4, $0xb71e747d
DATA gelus5<>+56(SB)/4, $0xb71e747d
DATA gelus5<>+60(SB)/4, $0xb71e747d
GLOBL gelus5<>(SB), RODATA|NOPTR, $64

DATA gelus6<>+0(SB)/4, $0x3532c511
DATA gelus6<>+4(SB)/4, $0x3532c511
DATA gelus6<>+8(SB)/4, $0x3532c511
DATA gelus6<>+12(SB)/4, $0x3532c511
DATA gelus6<>+16(SB)/4, $0x3532c511
DATA gelus6<>+20(SB)/4, $0x3532c511
DATA gelus6<>+24(SB)/4, $0x3532c511
DATA gelus6<>+28(SB)/4, $0x3532c511
DATA gelus6<>+32(SB)/4, $0x3532c511
DATA gelus6<>+36(SB)/4, $0x3532c511
DATA gelus6<>+40(SB)/4, $0x3532c511
DATA gelus6<>+44(SB)/4, $0x3532c511
DATA gelus6<>+48(SB)/4, $0x3532c511
DATA gelus6<>+52(SB)/4, $0x3532c511
DATA gelus6<>+56(SB)/4, $0x3532c511
DATA gelus6<>+60(SB)/4, $0x3532c511
GLOBL gelus6<>(SB), RODATA|NOPTR, $64

DATA gelus7<>+0(SB)/4, $0xb3311135
DATA gelus7<>+4(SB)/4, $0xb3311135
DATA gelus7<>+8(SB)/4, $0xb3311135
DATA gelus7<>+12(SB)/4, $0xb3311135
DATA gelus7<>+16(SB)/4, $0xb3311135
DATA gelus7<>+20(SB)/4, $0xb3311135
DATA gelus7<>+24(SB)/4, $0xb3311135
DATA gelus7<>+28(SB)/4, $0xb3311135
DATA gelus7<>+32(SB)/4, $0xb3311135
DATA gelus7<>+36(SB)/4, $0xb3311135
DATA gelus7<>+40(SB)/4, $0xb3311135
DATA gelus7<>+44(SB)/4, $0xb3311135
DATA gelus7<>+48(SB)/4, $0xb3311135
DATA gelus7<>+52(SB)/4, $0xb3311135
DATA gelus7<>+56(SB)/4, $0xb3311135
DATA gelus7<>+60(SB)/4, $0xb3311135
GLOBL gelus7<>(SB), RODATA|NOPTR, $64

DATA gelus8<>+0(SB)/4, $0x311c3c5c
DATA gelus8<>+4(SB)/4, $0x311c3c5c
DATA gelus8<>+8(SB)/4, $0x311c3c5c
DATA gelus8<>+12(SB)/4, $0x311c3c5c
DATA gelus8<>+16(SB)/4, $0x311c3c5c
DATA gelus8<>+20(SB)/4, $0x311c3c5c
DATA gelus8<>+24(SB)/4, $0x311c3c5c
DATA gelus8<>+28(SB)/4, $0x311c3c5c
DATA gelus8<>+32(SB)/4, $0x311c3c5c
DATA gelus8<>+36(SB)/4, $0x311c3c5c
DATA gelus8<>+40(SB)/4, $0x311c3c5c
DATA gelus8<>+44(SB)/4, $0x311c3c5c
DATA gelus8<>+48(SB)/4, $0x311c3c5c
DATA gelus8<>+52(SB)/4, $0x311c3c5c
DATA gelus8<>+56(SB)/4, $0x311c3c5c
DATA gelus8<>+60(SB)/4, $0x311c3c5c
GLOBL gelus8<>(SB), RODATA|NOPTR, $64

DATA masktab<>+0(SB)/4, $0xffffffff
DATA masktab<>+4(SB)/4, $0xffffffff
DATA masktab<>+8(SB)/4, $0xffffffff
DATA masktab<>+12(SB)/4, $0xffffffff
DATA masktab<>+16(SB)/4, $0xffffffff
DATA masktab<>+20(SB)/4, $0xffffffff
DATA masktab<>+24(SB)/4, $0xffffffff
DATA masktab<>+28(SB)/4, $0xffffffff
DATA masktab<>+32(SB)/4, $0x00000000
DATA masktab<>+36(SB)/4, $0x00000000
DATA masktab<>+40(SB)/4, $0x00000000
DATA masktab<>+44(SB)/4, $0x00000000
DATA masktab<>+48(SB)/4, $0x00000000
DATA masktab<>+52(SB)/4, $0x00000000
DATA masktab<>+56(SB)/4, $0x00000000
DATA masktab<>+60(SB)/4, $0x00000000
GLOBL masktab<>(SB), RODATA|NOPTR, $64

#define YTAILMASK(m) \
	LEAQ    masktab<>+32(SB), AX; \
	SHLQ    $2, CX; \
	SUBQ    CX, AX; \
	VMOVDQU (AX), m

#define ZTAILMASK \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, K1

// EXP_CORE: X (clamped to [explo, exphi]) = n*ln2 + r; N = n (int32 lanes),
// Q = e^r - 1 = r + r^2*(c2 + r*(c3 + ... + r*c8)). X becomes r; T is scratch.
#define EXP_CORE(X, N, Q, T) \
	VMULPS       log2e<>(SB), X, N; \
	VCVTPS2DQ    N, N; \
	VCVTDQ2PS    N, T; \
	VFNMADD231PS ln2hi<>(SB), T, X; \
	VFNMADD231PS ln2lo<>(SB), T, X; \
	VMOVUPS      expc8<>(SB), Q; \
	VFMADD213PS  expc7<>(SB), X, Q; \
	VFMADD213PS  expc6<>(SB), X, Q; \
	VFMADD213PS  expc5<>(SB), X, Q; \
	VFMADD213PS  expc4<>(SB), X, Q; \
	VFMADD213PS  expc3<>(SB), X, Q; \
	VFMADD213PS  expc2<>(SB), X, Q; \
	VMULPS       X, X, T; \
	VFMADD213PS  X, T, Q

// EXP_SCALE: Q = (1 + Q) * 2^(n>>1) * 2^(n-(n>>1)), two factors so that n = 128 and
// n = -126 stay representable. N is consumed; T is scratch.
#define EXP_SCALE(N, Q, T) \
	VADDPS one<>(SB), Q, Q; \
	VPSRAD $1, N, T; \
	VPSUBD T, N, N; \
	VPADDD bias127<>(SB), T, T; \
	VPSLLD $23, T, T; \
	VMULPS T, Q, Q; \
	VPADDD bias127<>(SB), N, N; \
	VPSLLD $23, N, N; \
	VMULPS N, Q, Q

// ---- ymm bodies: input Y0, result in the register named; Y1..Y10 scratch.

// EXP_Y: Y3 = exp(Y0): 0 below explo, +Inf above exphi, NaN for NaN.
#define EXP_Y \
	VMAXPS    explo<>(SB), Y0, Y1; \
	VMINPS    exphi<>(SB), Y1, Y1; \
	EXP_CORE(Y1, Y2, Y3, Y4); \
	EXP_SCALE(Y2, Y3, Y4); \
	VCMPPS    $0x1d, explo<>(SB), Y0, Y5; \
	VANDPS    Y5, Y3, Y3; \
	VCMPPS    $0x1e, exphi<>(SB), Y0, Y5; \
	VBLENDVPS Y5, pinf<>(SB), Y3, Y3; \
	VCMPPS    $3, Y0, Y0, Y5; \
	VORPS     Y5, Y3, Y3

// SIGMOID_Y: Y3 = 1/(1+exp(-Y0)).
#define SIGMOID_Y \
	VXORPS  Y6, Y6, Y6; \
	VSUBPS  Y0, Y6, Y0; \
	EXP_Y; \
	VADDPS  one<>(SB), Y3, Y3; \
	VMOVUPS one<>(SB), Y4; \
	VDIVPS  Y3, Y4, Y3

// ELU_Y: Y4 = Y0 > 0 (or NaN) ? Y0 : 2^n*q + (2^n - 1).
#define ELU_Y \
	VXORPS      Y6, Y6, Y6; \
	VMAXPS      explo<>(SB), Y0, Y1; \
	VMINPS      Y6, Y1, Y1; \
	EXP_CORE(Y1, Y2, Y3, Y4); \
	VPADDD      bias127<>(SB), Y2, Y2; \
	VPSLLD      $23, Y2, Y2; \
	VSUBPS      one<>(SB), Y2, Y4; \
	VFMADD231PS Y3, Y2, Y4; \
	VCMPPS      $0x16, Y6, Y0, Y5; \
	VBLENDVPS   Y5, Y0, Y4, Y4

// GELU_Y: Y3 = x*Phi(x), see gelu32 in math_generic.go.
#define GELU_Y \
	VANDPS      absmask<>(SB), Y0, Y6; \
	VMINPS      gelua<>(SB), Y6, Y6; \
	VMULPS      Y6, Y6, Y7; \
	VMOVAPS     Y7, Y8; \
	VFMSUB231PS Y6, Y6, Y8; \
	VMULPS      half<>(SB), Y6, Y9; \
	VADDPS      one<>(SB), Y9, Y9; \
	VMOVUPS     one<>(SB), Y10; \
	VDIVPS      Y9, Y10, Y9; \
	VMOVUPS     geluc10<>(SB), Y10; \
	VFMADD213PS geluc9<>(SB), Y9, Y10; \
	VFMADD213PS geluc8<>(SB), Y9, Y10; \
	VFMADD213PS geluc7<>(SB), Y9, Y10; \
	VFMADD213PS geluc6<>(SB), Y9, Y10; \
	VFMADD213PS geluc5<>(SB), Y9, Y10; \
	VFMADD213PS geluc4<>(SB), Y9, Y10; \
	VFMADD213PS geluc3<>(SB), Y9, Y10; \
	VFMADD213PS geluc2<>(SB), Y9, Y10; \
	VFMADD213PS geluc1<>(SB), Y9, Y10; \
	VFMADD213PS geluc0<>(SB), Y9, Y10; \
	VMULPS      mhalf<>(SB), Y7, Y7; \
	VMAXPS      explo<>(SB), Y7, Y1; \
	EXP_CORE(Y1, Y2, Y3, Y4); \
	EXP_SCALE(Y2, Y3, Y4); \
	VCMPPS      $0x1d, explo<>(SB), Y7, Y5; \
	VANDPS      Y5, Y3, Y3; \
	VMULPS      mhalf<>(SB), Y8, Y8; \
	VADDPS      one<>(SB), Y8, Y8; \
	VMULPS      Y8, Y10, Y10; \
	VMULPS      half<>(SB), Y10, Y10; \
	VMOVUPS     one<>(SB), Y4; \
	VFNMADD231PS Y10, Y3, Y4; \
	VMULPS      Y0, Y4, Y4; \
	VMAXPS      mgelua<>(SB), Y0, Y5; \
	VMULPS      Y10, Y5, Y5; \
	VMULPS      Y3, Y5, Y5; \
	VXORPS      Y6, Y6, Y6; \
	VCMPPS      $0x1d, Y6, Y0, Y6; \
	VBLENDVPS   Y6, Y4, Y5, Y3; \
	VMULPS      Y0, Y0, Y11; \
	VMOVUPS     gelus8<>(SB), Y12; \
	VFMADD213PS gelus7<>(SB), Y11, Y12; \
	VFMADD213PS gelus6<>(SB), Y11, Y12; \
	VFMADD213PS gelus5<>(SB), Y11, Y12; \
	VFMADD213PS gelus4<>(SB), Y11, Y12; \
	VFMADD213PS gelus3<>(SB), Y11, Y12; \
	VFMADD213PS gelus2<>(SB), Y11, Y12; \
	VFMADD213PS gelus1<>(SB), Y11, Y12; \
	VFMADD213PS gelus0<>(SB), Y11, Y12; \
	VMOVUPS     half<>(SB), Y13; \
	VFMADD231PS Y12, Y0, Y13; \
	VMULPS      Y0, Y13, Y13; \
	VANDPS      absmask<>(SB), Y0, Y14; \
	VCMPPS      $0x12, one<>(SB), Y14, Y14; \
	VBLENDVPS   Y14, Y13, Y3, Y3; \
	VCMPPS      $3, Y0, Y0, Y6; \
	VBLENDVPS   Y6, Y0, Y3, Y3

// ---- zmm bodies: the same with opmask registers (K2) for the selects; K1 is the tail.

#define EXP_Z \
	VMAXPS    explo<>(SB), Z0, Z1; \
	VMINPS    exphi<>(SB), Z1, Z1; \
	EXP_CORE(Z1, Z2, Z3, Z4); \
	EXP_SCALE(Z2, Z3, Z4); \
	VCMPPS    $0x1d, explo<>(SB), Z0, K2; \
	VMOVAPS.Z Z3, K2, Z3; \
	VCMPPS    $0x1e, exphi<>(SB), Z0, K2; \
	VMOVUPS   pinf<>(SB), K2, Z3; \
	VCMPPS    $3, Z0, Z0, K2; \
	VMOVAPS   Z0, K2, Z3

#define SIGMOID_Z \
	VPXORD  Z6, Z6, Z6; \
	VSUBPS  Z0, Z6, Z0; \
	EXP_Z; \
	VADDPS  one<>(SB), Z3, Z3; \
	VMOVUPS one<>(SB), Z4; \
	VDIVPS  Z3, Z4, Z3

#define ELU_Z \
	VPXORD      Z6, Z6, Z6; \
	VMAXPS      explo<>(SB), Z0, Z1; \
	VMINPS      Z6, Z1, Z1; \
	EXP_CORE(Z1, Z2, Z3, Z4); \
	VPADDD      bias127<>(SB), Z2, Z2; \
	VPSLLD      $23, Z2, Z2; \
	VSUBPS      one<>(SB), Z2, Z4; \
	VFMADD231PS Z3, Z2, Z4; \
	VCMPPS      $0x16, Z6, Z0, K2; \
	VMOVAPS     Z0, K2, Z4

#define GELU_Z \
	VPANDD      absmask<>(SB), Z0, Z6; \
	VMINPS      gelua<>(SB), Z6, Z6; \
	VMULPS      Z6, Z6, Z7; \
	VMOVAPS     Z7, Z8; \
	VFMSUB231PS Z6, Z6, Z8; \
	VMULPS      half<>(SB), Z6, Z9; \
	VADDPS      one<>(SB), Z9, Z9; \
	VMOVUPS     one<>(SB), Z10; \
	VDIVPS      Z9, Z10, Z9; \
	VMOVUPS     geluc10<>(SB), Z10; \
	VFMADD213PS geluc9<>(SB), Z9, Z10; \
	VFMADD213PS geluc8<>(SB), Z9, Z10; \
	VFMADD213PS geluc7<>(SB), Z9, Z10; \
	VFMADD213PS geluc6<>(SB), Z9, Z10; \
	VFMADD213PS geluc5<>(SB), Z9, Z10; \
	VFMADD213PS geluc4<>(SB), Z9, Z10; \
	VFMADD213PS geluc3<>(SB), Z9, Z10; \
	VFMADD213PS geluc2<>(SB), Z9, Z10; \
	VFMADD213PS geluc1<>(SB), Z9, Z10; \
	VFMADD213PS geluc0<>(SB), Z9, Z10; \
	VMULPS      mhalf<>(SB), Z7, Z7; \
	VMAXPS      explo<>(SB), Z7, Z1; \
	EXP_CORE(Z1, Z2, Z3, Z4); \
	EXP_SCALE(Z2, Z3, Z4); \
	VCMPPS      $0x1d, explo<>(SB), Z7, K2; \
	VMOVAPS.Z   Z3, K2, Z3; \
	VMULPS      mhalf<>(SB), Z8, Z8; \
	VADDPS      one<>(SB), Z8, Z8; \
	VMULPS      Z8, Z10, Z10; \
	VMULPS      half<>(SB), Z10, Z10; \
	VMOVUPS     one<>(SB), Z4; \
	VFNMADD231PS Z10, Z3, Z4; \
	VMULPS      Z0, Z4, Z4; \
	VMAXPS      mgelua<>(SB), Z0, Z5; \
	VMULPS      Z10, Z5, Z5; \
	VMULPS      Z3, Z5, Z5; \
	VPXORD      Z6, Z6, Z6; \
	VCMPPS      $0x1d, Z6, Z0, K2; \
	VMOVAPS     Z4, K2, Z5; \
	VMULPS      Z0, Z0, Z11; \
	VMOVUPS     gelus8<>(SB), Z12; \
	VFMADD213PS gelus7<>(SB), Z11, Z12; \
	VFMADD213PS gelus6<>(SB), Z11, Z12; \
	VFMADD213PS gelus5<>(SB), Z11, Z12; \
	VFMADD213PS gelus4<>(SB), Z11, Z12; \
	VFMADD213PS gelus3<>(SB), Z11, Z12; \
	VFMADD213PS gelus2<>(SB), Z11, Z12; \
	VFMADD213PS gelus1<>(SB), Z11, Z12; \
	VFMADD213PS gelus0<>(SB), Z11, Z12; \
	VMOVUPS     half<>(SB), Z13; \
	VFMADD231PS Z12, Z0, Z13; \
	VMULPS      Z0, Z13, Z13; \
	VPANDD      absmask<>(SB), Z0, Z14; \
	VCMPPS      $0x12, one<>(SB), Z14, K2; \
	VMOVAPS     Z13, K2, Z5; \
	VCMPPS      $3, Z0, Z0, K2; \
	VMOVAPS     Z0, K2, Z5; \
	VMOVAPS     Z5, Z3

// func expAVX2(dst, x []float32)
TEXT ·expAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

expYloop:
	CMPQ    CX, $8
	JLT     expYtail
	VMOVUPS (SI), Y0
	EXP_Y
	VMOVUPS Y3, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     expYloop

expYtail:
	TESTQ CX, CX
	JZ    expYdone
	YTAILMASK(Y15)
	VMASKMOVPS (SI), Y15, Y0
	EXP_Y
	VMASKMOVPS Y3, Y15, (DI)

expYdone:
	VZEROUPPER
	RET

// func sigmoidAVX2(dst, x []float32)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

sigmoidYloop:
	CMPQ    CX, $8
	JLT     sigmoidYtail
	VMOVUPS (SI), Y0
	SIGMOID_Y
	VMOVUPS Y3, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     sigmoidYloop

sigmoidYtail:
	TESTQ CX, CX
	JZ    sigmoidYdone
	YTAILMASK(Y15)
	VMASKMOVPS (SI), Y15, Y0
	SIGMOID_Y
	VMASKMOVPS Y3, Y15, (DI)

sigmoidYdone:
	VZEROUPPER
	RET

// func eluAVX2(dst, x []float32)
TEXT ·eluAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

eluYloop:
	CMPQ    CX, $8
	JLT     eluYtail
	VMOVUPS (SI), Y0
	ELU_Y
	VMOVUPS Y4, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     eluYloop

eluYtail:
	TESTQ CX, CX
	JZ    eluYdone
	YTAILMASK(Y15)
	VMASKMOVPS (SI), Y15, Y0
	ELU_Y
	VMASKMOVPS Y4, Y15, (DI)

eluYdone:
	VZEROUPPER
	RET

// func geluAVX2(dst, x []float32)
TEXT ·geluAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

geluYloop:
	CMPQ    CX, $8
	JLT     geluYtail
	VMOVUPS (SI), Y0
	GELU_Y
	VMOVUPS Y3, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     geluYloop

geluYtail:
	TESTQ CX, CX
	JZ    geluYdone
	YTAILMASK(Y15)
	VMASKMOVPS (SI), Y15, Y0
	GELU_Y
	VMASKMOVPS Y3, Y15, (DI)

geluYdone:
	VZEROUPPER
	RET

// func expAVX512(dst, x []float32)
TEXT ·expAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

expZloop:
	CMPQ    CX, $16
	JLT     expZtail
	VMOVUPS (SI), Z0
	EXP_Z
	VMOVUPS Z3, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     expZloop

expZtail:
	TESTQ CX, CX
	JZ    expZdone
	ZTAILMASK
	VMOVUPS.Z (SI), K1, Z0
	EXP_Z
	VMOVUPS Z3, K1, (DI)

expZdone:
	VZEROUPPER
	RET

// func sigmoidAVX512(dst, x []float32)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

sigmoidZloop:
	CMPQ    CX, $16
	JLT     sigmoidZtail
	VMOVUPS (SI), Z0
	SIGMOID_Z
	VMOVUPS Z3, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     sigmoidZloop

sigmoidZtail:
	TESTQ CX, CX
	JZ    sigmoidZdone
	ZTAILMASK
	VMOVUPS.Z (SI), K1, Z0
	SIGMOID_Z
	VMOVUPS Z3, K1, (DI)

sigmoidZdone:
	VZEROUPPER
	RET

// func eluAVX512(dst, x []float32)
TEXT ·eluAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

eluZloop:
	CMPQ    CX, $16
	JLT     eluZtail
	VMOVUPS (SI), Z0
	ELU_Z
	VMOVUPS Z4, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     eluZloop

eluZtail:
	TESTQ CX, CX
	JZ    eluZdone
	ZTAILMASK
	VMOVUPS.Z (SI), K1, Z0
	ELU_Z
	VMOVUPS Z4, K1, (DI)

eluZdone:
	VZEROUPPER
	RET

// func geluAVX512(dst, x []float32)
TEXT ·geluAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

geluZloop:
	CMPQ    CX, $16
	JLT     geluZtail
	VMOVUPS (SI), Z0
	GELU_Z
	VMOVUPS Z3, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     geluZloop

geluZtail:
	TESTQ CX, CX
	JZ    geluZdone
	ZTAILMASK
	VMOVUPS.Z (SI), K1, Z0
	GELU_Z
	VMOVUPS Z3, K1, (DI)

geluZdone:
	VZEROUPPER
	RET

