# Generates simd/dwconv_gelu_amd64.s: run `go generate ./simd` (TestDWConvGELUAsmMatchesGenerator
# checks the checked-in file is this script's output).
#
# The GELU and GELU-derivative kernels that finish a depthwise convolution strip: the
# tail formulas of simd's GELU and GELUGrad on every input (templates below, with
# pure-Go twins in dwconv_gelu_generic.go). The AVX-512 loops run two vectors through
# the sequence interleaved instruction by instruction (registers Z0-Z14 and Z16-Z30),
# with -1/2 in Z15 and 0 in Z31 for both, which saves an instruction or two per vector
# over the AVX2 forms (16 registers, none to spare).
import re
import sys

out = []
def e(s=""): out.append(s)

# geluh<i> are the coefficients of F halved (exactly: a power of two), so that the
# polynomial gives F/2, the factor both formulas use.
CONSTS = [
    ("one", 0x3f800000), ("half", 0x3f000000), ("mhalf", 0xbf000000), ("absmask", 0x7fffffff),
    ("bias127", 0x0000007f), ("explo", 0xc2aeac4f), ("log2e", 0x3fb8aa3b),
    ("ln2hi", 0x3f318000), ("ln2lo", 0xb95e8083), ("expc2", 0x3f000000), ("expc3", 0x3e2aaaab),
    ("expc4", 0x3d2aaaab), ("expc5", 0x3c088889), ("expc6", 0x3ab60b61), ("expc7", 0x39500d01),
    ("expc8", 0x37d00d01), ("gelua", 0x41600000), ("mgelua", 0xc1600000),
    ("geluh0", 0xb673f7a7), ("geluh1", 0x3e4c6446), ("geluh2", 0x3e4a3299),
    ("geluh3", 0x3e2b53b0), ("geluh4", 0xbd456a64), ("geluh5", 0x3e962a27),
    ("geluh6", 0xbf74b556), ("geluh7", 0x3f9a68b9), ("geluh8", 0xbf4cdd77),
    ("geluh9", 0x3e90c2b6), ("geluh10", 0xbd2d8d43), ("invsqrt2pi", 0x3ecc422a),
]

EXP_CORE = """
VMULPS       log2e, X, N
VCVTPS2DQ    N, N
VCVTDQ2PS    N, T
VFNMADD231PS ln2hi, T, X
VFNMADD231PS ln2lo, T, X
VMOVUPS      expc8, Q
VFMADD213PS  expc7, X, Q
VFMADD213PS  expc6, X, Q
VFMADD213PS  expc5, X, Q
VFMADD213PS  expc4, X, Q
VFMADD213PS  expc3, X, Q
VFMADD213PS  expc2, X, Q
VMULPS       X, X, T
VFMADD213PS  X, T, Q
"""

def subst(tmpl, **kw):
    return re.sub(r"\b(X|N|Q|T)\b", lambda m: kw[m.group(1)], tmpl)

# The sequences below are the tail branch of simd's GELU and GELUGrad alone (math_amd64.s
# GELU_Z/GELU_Y, gelugrad_amd64.s GELUGRAD_Z/GELUGRAD_Y, whose erfcx polynomial F is
# fitted on all of a = |x| in [0, 14]) without the Taylor branch for |x| <= 1 and the
# selects between the two: about 50 instead of 75 vector instructions per vector, the
# price being ~7 instead of ~1 ulp for |x| <= 1 (see dwconv_gelu_generic.go).
#
# GELU: a = min(|x|, 14), s + e = a^2 exactly, t = 1/(1 + a/2), u = max(-s/2, explo),
# P = Phi(-a) = (h + h*q) * 2^n with h = F(t)*(1 - e/2)/2 and e^u = (1 + q) 2^n, P = 0 where
# -s/2 < explo; GELU = x*(1 - P) for x >= 0, max(x, -14)*P otherwise (the max taking
# the NaN of x through, which F and P do not). V5 = GELU(V0).
GELU_TAIL = """
VMOVUPS     half, V9
VFMADD213PS one, V6, V9
VMOVUPS     one, V10
VDIVPS      V9, V10, V9
VMOVUPS     geluh10, V10
VFMADD213PS geluh9, V9, V10
VFMADD213PS geluh8, V9, V10
VFMADD213PS geluh7, V9, V10
VFMADD213PS geluh6, V9, V10
VFMADD213PS geluh5, V9, V10
VFMADD213PS geluh4, V9, V10
VFMADD213PS geluh3, V9, V10
VFMADD213PS geluh2, V9, V10
VFMADD213PS geluh1, V9, V10
VFMADD213PS geluh0, V9, V10
"""

GELU_HEAD = """
ABS         V0, V6
VMINPS      gelua, V6, V6
VMULPS      V6, V6, V7
VMOVAPS     V7, V8
VFMSUB231PS V6, V6, V8
""" + GELU_TAIL

GELU_Z = GELU_HEAD + """
OMH         V8
VMULPS      V8, V10, V10
VMULPS      mhalf, V7, V7
VMAXPS      explo, V7, V1
""" + subst(EXP_CORE, X="V1", N="V2", Q="V3", T="V4") + """
VFMADD231PS V3, V10, V10
VPADDD      bias127, V2, V2
VPSLLD      $23, V2, V2
VMULPS      V2, V10, V10
VCMPPS      $0x1d, explo, V7, K2
VMOVAPS.Z   V10, K2, V10
VMOVUPS     one, V4
VSUBPS      V10, V4, V4
VMULPS      V0, V4, V4
VMOVUPS     mgelua, V5
VMAXPS      V0, V5, V5
VMULPS      V10, V5, V5
VCMPPS      $0x1d, Z31, V0, K2
VMOVAPS     V4, K2, V5
"""

# GELU_Y: the same with VBLENDVPS for the selects; V5 = GELU(V0).
GELU_Y = GELU_HEAD + """
OMH         V8
VMULPS      V8, V10, V10
VMULPS      mhalf, V7, V7
VMAXPS      explo, V7, V1
""" + subst(EXP_CORE, X="V1", N="V2", Q="V3", T="V4") + """
VFMADD231PS V3, V10, V10
VPADDD      bias127, V2, V2
VPSLLD      $23, V2, V2
VMULPS      V2, V10, V10
VCMPPS      $0x1d, explo, V7, V11
VANDPS      V11, V10, V10
VMOVUPS     one, V4
VSUBPS      V10, V4, V4
VMULPS      V0, V4, V4
VMOVUPS     mgelua, V5
VMAXPS      V0, V5, V5
VMULPS      V10, V5, V5
VXORPS      V6, V6, V6
VCMPPS      $0x1d, V6, V0, V6
VBLENDVPS   V6, V4, V5, V5
"""

# GELU': with a, s, e, F as above and E = exp(-s/2) = (1 + q) 2^n,
# m = a*phi(a) - Phi(-a) = E * (a/sqrt(2pi) - F/2) * (1 - e/2), scaled as
# (k + k*q) * 2^(n>>1) * 2^(n-(n>>1)) so that it stays normal while it can (-s/2 reaches
# -98); d = 1 + m for x > 0, -m otherwise, NaN for NaN. (m is negative for |x| < 0.75,
# so unlike GELUGrad's tail branch this does not flush small m; the few subnormal
# results of x < -13.2 stay subnormal.)
# V5 = d(V0).
GRAD_COMMON = GELU_HEAD + """
VFMSUB231PS invsqrt2pi, V6, V10
OMH         V8
VMULPS      V8, V10, V10
VMULPS      mhalf, V7, V7
""" + subst(EXP_CORE, X="V7", N="V2", Q="V3", T="V4") + """
VFMADD231PS V3, V10, V10
VPSRAD      $1, V2, V4
VPSUBD      V4, V2, V2
VPADDD      bias127, V4, V4
VPSLLD      $23, V4, V4
VMULPS      V4, V10, V10
VPADDD      bias127, V2, V2
VPSLLD      $23, V2, V2
VMULPS      V2, V10, V10
"""

GELUGRAD_Z = GRAD_COMMON + """
VADDPS      one, V10, V4
VSUBPS      V10, Z31, V5
VCMPPS      $0x1e, Z31, V0, K2
VMOVAPS     V4, K2, V5
VCMPPS      $3, V0, V0, K2
VMOVAPS     V0, K2, V5
"""

GELUGRAD_Y = GRAD_COMMON + """
VADDPS      one, V10, V4
VXORPS      V5, V5, V5
VSUBPS      V10, V5, V5
VXORPS      V6, V6, V6
VCMPPS      $0x1e, V6, V0, V6
VBLENDVPS   V6, V4, V5, V5
VCMPPS      $3, V0, V0, V6
VBLENDVPS   V6, V0, V5, V5
"""

CNAMES = set(n for n, _ in CONSTS)

def body(tmpl, R, base, mask):
    """The template's instructions with V<i> as register R<base+i>, K2 as mask,
    constants as dwg<name><>(SB) and ABS as the ISA's and with absmask."""
    res = []
    absop = "VPANDD      absmask," if R == "Z" else "VANDPS      absmask,"
    lines = []
    for line in tmpl.strip().splitlines():
        m = re.match(r"^OMH\s+(V\d+)$", line)
        if m and R == "Z":  # 1 - v/2 in one FMA with -1/2 held in Z15
            lines.append("VFMADD213PS one, Z15, %s" % m.group(1))
        elif m:
            lines += ["VMULPS      mhalf, %s, %s" % (m.group(1), m.group(1)), "VADDPS      one, %s, %s" % (m.group(1), m.group(1))]
        else:
            lines.append(line)
    for line in lines:
        line = re.sub(r"^ABS\s+", absop + " ", line)
        line = re.sub(r"\bV(\d+)\b", lambda m: "%s%d" % (R, base + int(m.group(1))), line)
        line = re.sub(r"\bK2\b", mask, line)
        line = re.sub(r"\b([a-z0-9]+)\b", lambda m: "dwg%s<>(SB)" % m.group(1) if m.group(1) in CNAMES else m.group(1), line)
        op, _, args = line.partition(" ")
        if R == "Z" and "<>(SB)" in args:
            # AVX-512: constants as 4-byte broadcasts, a load the core issues twice as
            # fast as a full 64-byte vector (the sequence has ~30 constant operands).
            op = "VBROADCASTSS" if op == "VMOVUPS" else op + ".BCST"
        res.append("%-12s %s" % (op, args.strip()))
    return res

def interleave(a, b):
    res = []
    for x, y in zip(a, b):
        res += [x, y]
    return res

e("//go:build !purego")
e()
e('#include "textflag.h"')
e()
e("""// GELU and GELU-derivative kernels for the depthwise convolution + GELU (generated by
// gen/dwconv_gelu_gen.py; see it for how they relate to simd.GELU and simd.GELUGrad):
//
//   dwGELU:        dst[i] = GELU(x[i])
//   dwGELUGradMul: dst[i] = g[i] * GELU'(x[i])   (dst may be x)
//   dwGELUStream:  dwGELU storing full vectors non-temporally (AVX-512; dst 64-byte
//                  aligned), for outputs too large to stay in cache
//
// Every vector is loaded before its result is stored, so dst may alias x (or g).""")
e()
for n, v in CONSTS:
    for i in range(16):
        e("DATA dwg%s<>+%d(SB)/4, $0x%08x" % (n, 4*i, v))
    e("GLOBL dwg%s<>(SB), RODATA|NOPTR, $64" % n)
    e()
e("// dwgmask: 8 x all-ones then 8 x zero; dwgmask+32-4n holds n leading set lanes.")
for i in range(16):
    e("DATA dwgmask<>+%d(SB)/4, $0x%s" % (4*i, "ffffffff" if i < 8 else "00000000"))
e("GLOBL dwgmask<>(SB), RODATA|NOPTR, $64")
e()

def kernel_z(name, tmpl, res, grad, nt=False):
    """AVX-512: pairs of vectors interleaved, then one vector, then a masked one. With
    nt, the full vectors are stored non-temporally (dst must be 64-byte aligned)."""
    st = "VMOVNTPS" if nt else "VMOVUPS"
    args = "dst, g, x []float32" if grad else "dst, x []float32"
    e("// func %s(%s)" % (name, args))
    e("TEXT ·%s(SB), NOSPLIT, $0-%d" % (name, 72 if grad else 48))
    e("\tMOVQ dst_base+0(FP), DI")
    if grad:
        e("\tMOVQ g_base+24(FP), BX")
        e("\tMOVQ x_base+48(FP), SI")
        e("\tMOVQ x_len+56(FP), CX")
    else:
        e("\tMOVQ x_base+24(FP), SI")
        e("\tMOVQ x_len+32(FP), CX")
    e("\tVBROADCASTSS dwgmhalf<>(SB), Z15")
    e("\tVPXORD Z31, Z31, Z31")
    e("%s_two:" % name)
    e("\tCMPQ CX, $32")
    e("\tJLT %s_one" % name)
    e("\tVMOVUPS (SI), Z0")
    e("\tVMOVUPS 64(SI), Z16")
    for l in interleave(body(tmpl, "Z", 0, "K2"), body(tmpl, "Z", 16, "K3")):
        e("\t" + l)
    if grad:
        e("\tVMULPS (BX), Z%d, Z%d" % (res, res))
        e("\tVMULPS 64(BX), Z%d, Z%d" % (16 + res, 16 + res))
        e("\tADDQ $128, BX")
    e("\t%s Z%d, (DI)" % (st, res))
    e("\t%s Z%d, 64(DI)" % (st, 16 + res))
    e("\tADDQ $128, SI")
    e("\tADDQ $128, DI")
    e("\tSUBQ $32, CX")
    e("\tJMP %s_two" % name)
    e("%s_one:" % name)
    e("\tCMPQ CX, $16")
    e("\tJLT %s_tail" % name)
    e("\tVMOVUPS (SI), Z0")
    for l in body(tmpl, "Z", 0, "K2"):
        e("\t" + l)
    if grad:
        e("\tVMULPS (BX), Z%d, Z%d" % (res, res))
        e("\tADDQ $64, BX")
    e("\t%s Z%d, (DI)" % (st, res))
    e("\tADDQ $64, SI")
    e("\tADDQ $64, DI")
    e("\tSUBQ $16, CX")
    e("%s_tail:" % name)
    e("\tTESTQ CX, CX")
    e("\tJZ %s_done" % name)
    e("\tMOVL $1, AX")
    e("\tSHLL CX, AX")
    e("\tDECL AX")
    e("\tKMOVW AX, K1")
    e("\tVMOVUPS.Z (SI), K1, Z0")
    for l in body(tmpl, "Z", 0, "K2"):
        e("\t" + l)
    if grad:
        e("\tVMOVUPS.Z (BX), K1, Z6")
        e("\tVMULPS Z6, Z%d, Z%d" % (res, res))
    e("\tVMOVUPS Z%d, K1, (DI)" % res)
    e("%s_done:" % name)
    if nt:
        e("\tSFENCE")
    e("\tVZEROUPPER")
    e("\tRET")
    e()

def kernel_y(name, tmpl, res, grad):
    """AVX2: one vector at a time (16 registers), then a masked one (mask in Y15)."""
    args = "dst, g, x []float32" if grad else "dst, x []float32"
    e("// func %s(%s)" % (name, args))
    e("TEXT ·%s(SB), NOSPLIT, $0-%d" % (name, 72 if grad else 48))
    e("\tMOVQ dst_base+0(FP), DI")
    if grad:
        e("\tMOVQ g_base+24(FP), BX")
        e("\tMOVQ x_base+48(FP), SI")
        e("\tMOVQ x_len+56(FP), CX")
    else:
        e("\tMOVQ x_base+24(FP), SI")
        e("\tMOVQ x_len+32(FP), CX")
    e("%s_one:" % name)
    e("\tCMPQ CX, $8")
    e("\tJLT %s_tail" % name)
    e("\tVMOVUPS (SI), Y0")
    for l in body(tmpl, "Y", 0, "K2"):
        e("\t" + l)
    if grad:
        e("\tVMULPS (BX), Y%d, Y%d" % (res, res))
        e("\tADDQ $32, BX")
    e("\tVMOVUPS Y%d, (DI)" % res)
    e("\tADDQ $32, SI")
    e("\tADDQ $32, DI")
    e("\tSUBQ $8, CX")
    e("\tJMP %s_one" % name)
    e("%s_tail:" % name)
    e("\tTESTQ CX, CX")
    e("\tJZ %s_done" % name)
    e("\tLEAQ dwgmask<>+32(SB), AX")
    e("\tSHLQ $2, CX")
    e("\tSUBQ CX, AX")
    e("\tVMOVDQU (AX), Y15")
    e("\tVMASKMOVPS (SI), Y15, Y0")
    for l in body(tmpl, "Y", 0, "K2"):
        e("\t" + l)
    if grad:
        e("\tVMASKMOVPS (BX), Y15, Y6")
        e("\tVMULPS Y6, Y%d, Y%d" % (res, res))
    e("\tVMASKMOVPS Y%d, Y15, (DI)" % res)
    e("%s_done:" % name)
    e("\tVZEROUPPER")
    e("\tRET")
    e()

kernel_z("dwGELUAVX512", GELU_Z, 5, False)
kernel_z("dwGELUGradMulAVX512", GELUGRAD_Z, 5, True)
kernel_z("dwGELUStreamAVX512", GELU_Z, 5, False, nt=True)
kernel_y("dwGELUAVX2", GELU_Y, 5, False)
kernel_y("dwGELUGradMulAVX2", GELUGRAD_Y, 5, True)
sys.stdout.write("\n".join(out).rstrip() + "\n")
