# Generates simd/dwconv_amd64.s: run `go generate ./simd` (the test TestDWConvAsmMatchesGenerator checks the checked-in file is this script's output).
import sys
out = []
def e(s=""): out.append(s)

e("//go:build !purego")
e()
e('#include "textflag.h"')
e()
e("""// Depthwise (single-channel) stride-1 correlation kernels, AVX-512 (zmm) and AVX2 (ymm).
// All take a *dwArgs (dwconv_generic.go; offsets below) and walk rows of a padded plane:
//
//   dwRows: dst[r, x] = (accum ? dst[r, x] : bias) + sum_{ky,kx} w[ky*kw+kx] * src[r + ky*dilH, x + kx*dilW]
//   dwGrad: sum over the lanes of acc[(ky*kw+kx)*64 : +64] += sum_{r,x} g[r, x] * src[r + ky*dilH, x + kx*dilW]
//
// dwPairs and dwGradPairs do the same for pairs of rows r and r+dilH (the second row at
// +pairOff): the two rows' taps share all but one padded input row, so every input
// vector loaded feeds two FMAs (filter rows j and j-1). They run in three phases: padded
// row 0 feeds only the first row, rows 1..kh-1 both, row kh only the second. Each output
// row sees its taps in the same order as in dwRows.
//
// A row is cut into blocks of 8 vectors (4 for the AVX2 pair kernels, which have 16
// registers), then at most one of 4, then single vectors, then one masked vector (opmask
// K1 / VMASKMOVPS): masked lanes are neither read nor written, so nothing past a row's n
// values (or past the plane) is touched. dwRows keeps a block's outputs in registers for
// all taps, one broadcast weight per tap. dwGrad keeps a block of g in registers and adds
// each tap's products into one of that tap's accumulator vectors in acc, alternating
// block by block between lanes 0-15 and 16-31 (dwGradPairs: 32-47 and 48-63 for its
// second row): a tap's accumulator is then read two blocks after it was written, not
// one, which keeps the store-to-load chain off the critical path for small filters.
//
// dwArgs: dst 0, src 8, w 16, n 24, rows 32, dstStride 40 (bytes), srcStride 48 (bytes),
// kh 56, kw 64, dilH 72 (bytes: rows apart * srcStride), dilW 80 (bytes), bias 88 (float32),
// accum 92 (int32), pairOff 96 (bytes). Gradient kernels: dst = acc, w = g, dstStride =
// g's row stride. Pair kernels: rows counts pairs, the strides step from pair to pair.
//
// Registers: AX args, DI dst (g) row, SI src row, R13 rows left, BX byte offset in the row,
// CX values left in the row, R8 weight (acc) pointer, R9 src row of tap row ky, R10/R11 ky/kx
// counters, R12 tap address, DX dilW, R14 dwGrad's accumulator half, or the pair kernels'
// pointer for filter row j-1 (dwGradPairs keeps its alternation in a stack slot).
//
// The pair kernels prefetch, block by block, the same span of the next pair's rows of
// their row-major operand (the output for dwPairs, g for dwGradPairs): that operand comes
// from memory, the padded plane (src) from L2.
//
// The loop nests were written out per block size by a generator script; keep them in
// step when editing one.""")
e()
e("// dwmask: 8 x all-ones then 8 x zero; dwmask+32-4n holds n leading set lanes.")
for i in range(16):
    e("DATA dwmask<>+%d(SB)/4, $0x%s" % (4*i, "ffffffff" if i < 8 else "00000000"))
e("GLOBL dwmask<>(SB), RODATA|NOPTR, $64")
e()

def prologue(name, dreg_off=0):
    e("// func %s(a *dwArgs)" % name)
    e("TEXT ·%s(SB), NOSPLIT, $0-8" % name)
    e("\tMOVQ a+0(FP), AX")
    e("\tMOVQ 32(AX), R13")
    e("\tTESTQ R13, R13")
    e("\tJZ %s_done" % name)
    e("\tCMPQ 24(AX), $0")
    e("\tJEQ %s_done" % name)
    e("\tMOVQ %d(AX), DI" % dreg_off)
    e("\tMOVQ 8(AX), SI")
    e("\tMOVQ 80(AX), DX")

def taploops(lbl, body, wstep, loadw=None):
    # R8 must be set by caller; R9 = SI + BX
    e("\tLEAQ (SI)(BX*1), R9")
    e("\tMOVQ 56(AX), R10")
    e("%s_ky:" % lbl)
    e("\tMOVQ R9, R12")
    e("\tMOVQ 64(AX), R11")
    e("%s_kx:" % lbl)
    for l in body: e("\t" + l)
    e("\tADDQ $%d, R8" % wstep)
    e("\tADDQ DX, R12")
    e("\tDECQ R11")
    e("\tJNZ %s_kx" % lbl)
    e("\tADDQ 72(AX), R9")
    e("\tDECQ R10")
    e("\tJNZ %s_ky" % lbl)

def rows_kernel(isa):
    Z = isa == "avx512"
    name = "dwRowsAVX512" if Z else "dwRowsAVX2"
    R = "Z" if Z else "Y"
    vb = 64 if Z else 32   # bytes per vector
    vl = 16 if Z else 8    # lanes
    wreg = R + ("30" if Z else "8")
    breg = R + ("31" if Z else "9")
    prologue(name)
    e("\tVBROADCASTSS 88(AX), %s" % breg)
    if not Z:
        pass
    e("%s_row:" % name)
    e("\tXORQ BX, BX")
    e("\tMOVQ 24(AX), CX")
    blocks = [(8, True), (4, False), (1, True)]
    for i, (v, loop) in enumerate(blocks):
        lbl = "%s_b%d" % (name, v)
        nxt = "%s_b%d" % (name, blocks[i+1][0]) if i+1 < len(blocks) else "%s_tail" % name
        e("%s:" % lbl)
        e("\tCMPQ CX, $%d" % (v*vl))
        e("\tJLT %s" % nxt)
        e("\tCMPL 92(AX), $0")
        e("\tJNE %s_acc" % lbl)
        for j in range(v): e("\tVMOVAPS %s, %s%d" % (breg, R, j))
        e("\tJMP %s_go" % lbl)
        e("%s_acc:" % lbl)
        for j in range(v): e("\tVMOVUPS %d(DI)(BX*1), %s%d" % (j*vb, R, j))
        e("%s_go:" % lbl)
        e("\tMOVQ 16(AX), R8")
        body = ["VBROADCASTSS (R8), %s" % wreg] + ["VFMADD231PS %d(R12), %s, %s%d" % (j*vb, wreg, R, j) for j in range(v)]
        taploops(lbl, body, 4)
        for j in range(v): e("\tVMOVUPS %s%d, %d(DI)(BX*1)" % (R, j, j*vb))
        e("\tADDQ $%d, BX" % (v*vb))
        e("\tSUBQ $%d, CX" % (v*vl))
        e("\tJMP %s" % (lbl if loop else nxt))
    lbl = "%s_tail" % name
    e("%s:" % lbl)
    e("\tTESTQ CX, CX")
    e("\tJZ %s_next" % name)
    if Z:
        e("\tMOVL $1, R8")
        e("\tSHLL CX, R8")
        e("\tDECL R8")
        e("\tKMOVW R8, K1")
        e("\tCMPL 92(AX), $0")
        e("\tJNE %s_acc" % lbl)
        e("\tVMOVAPS %s, Z0" % breg)
        e("\tJMP %s_go" % lbl)
        e("%s_acc:" % lbl)
        e("\tVMOVUPS.Z (DI)(BX*1), K1, Z0")
        e("%s_go:" % lbl)
        e("\tMOVQ 16(AX), R8")
        body = ["VBROADCASTSS (R8), %s" % wreg, "VFMADD231PS (R12), %s, K1, Z0" % wreg]
        taploops(lbl, body, 4)
        e("\tVMOVUPS Z0, K1, (DI)(BX*1)")
    else:
        e("\tLEAQ dwmask<>+32(SB), R8")
        e("\tSHLQ $2, CX")
        e("\tSUBQ CX, R8")
        e("\tVMOVDQU (R8), Y10")
        e("\tCMPL 92(AX), $0")
        e("\tJNE %s_acc" % lbl)
        e("\tVMOVAPS %s, Y0" % breg)
        e("\tJMP %s_go" % lbl)
        e("%s_acc:" % lbl)
        e("\tVMASKMOVPS (DI)(BX*1), Y10, Y0")
        e("%s_go:" % lbl)
        e("\tMOVQ 16(AX), R8")
        body = ["VBROADCASTSS (R8), Y8", "VMASKMOVPS (R12), Y10, Y11", "VFMADD231PS Y11, Y8, Y0"]
        taploops(lbl, body, 4)
        e("\tVMASKMOVPS Y0, Y10, (DI)(BX*1)")
    e("%s_next:" % name)
    e("\tADDQ 40(AX), DI")
    e("\tADDQ 48(AX), SI")
    e("\tDECQ R13")
    e("\tJNZ %s_row" % name)
    e("%s_done:" % name)
    e("\tVZEROUPPER")
    e("\tRET")
    e()

def grad_kernel(isa):
    Z = isa == "avx512"
    name = "dwGradAVX512" if Z else "dwGradAVX2"
    R = "Z" if Z else "Y"
    vb = 64 if Z else 32
    vl = 16 if Z else 8
    acc = R + "8"
    prologue(name, 16)
    e("\tXORQ R14, R14")
    e("%s_row:" % name)
    e("\tXORQ BX, BX")
    e("\tMOVQ 24(AX), CX")
    blocks = [(8, True), (4, False), (1, True)]
    for i, (v, loop) in enumerate(blocks):
        lbl = "%s_b%d" % (name, v)
        nxt = "%s_b%d" % (name, blocks[i+1][0]) if i+1 < len(blocks) else "%s_tail" % name
        e("%s:" % lbl)
        e("\tCMPQ CX, $%d" % (v*vl))
        e("\tJLT %s" % nxt)
        for j in range(v): e("\tVMOVUPS %d(DI)(BX*1), %s%d" % (j*vb, R, j))
        e("\tMOVQ 0(AX), R8")
        e("\tADDQ R14, R8")
        e("\tXORQ $64, R14")
        body = ["VMOVUPS (R8), %s" % acc] + ["VFMADD231PS %d(R12), %s%d, %s" % (j*vb, R, j, acc) for j in range(v)] + ["VMOVUPS %s, (R8)" % acc]
        taploops(lbl, body, 256)
        e("\tADDQ $%d, BX" % (v*vb))
        e("\tSUBQ $%d, CX" % (v*vl))
        e("\tJMP %s" % (lbl if loop else nxt))
    lbl = "%s_tail" % name
    e("%s:" % lbl)
    e("\tTESTQ CX, CX")
    e("\tJZ %s_next" % name)
    if Z:
        e("\tMOVL $1, R8")
        e("\tSHLL CX, R8")
        e("\tDECL R8")
        e("\tKMOVW R8, K1")
        e("\tVMOVUPS.Z (DI)(BX*1), K1, Z0")
        e("\tMOVQ 0(AX), R8")
        e("\tADDQ R14, R8")
        e("\tXORQ $64, R14")
        body = ["VMOVUPS (R8), Z8", "VFMADD231PS (R12), Z0, K1, Z8", "VMOVUPS Z8, (R8)"]
        taploops(lbl, body, 256)
    else:
        e("\tLEAQ dwmask<>+32(SB), R8")
        e("\tSHLQ $2, CX")
        e("\tSUBQ CX, R8")
        e("\tVMOVDQU (R8), Y10")
        e("\tVMASKMOVPS (DI)(BX*1), Y10, Y0")
        e("\tMOVQ 0(AX), R8")
        e("\tADDQ R14, R8")
        e("\tXORQ $64, R14")
        body = ["VMOVUPS (R8), Y8", "VMASKMOVPS (R12), Y10, Y11", "VFMADD231PS Y11, Y0, Y8", "VMOVUPS Y8, (R8)"]
        taploops(lbl, body, 256)
    e("%s_next:" % name)
    e("\tADDQ 40(AX), DI")
    e("\tADDQ 48(AX), SI")
    e("\tDECQ R13")
    e("\tJNZ %s_row" % name)
    e("%s_done:" % name)
    e("\tVZEROUPPER")
    e("\tRET")
    e()

def prefetch_next(nbytes):
    # the same span of the next pair's two rows (row-major side: dst or g), which would
    # otherwise arrive from memory only when the next pair's first block loads it
    e("\tMOVQ 40(AX), R12")
    e("\tADDQ DI, R12")
    for off in range(0, nbytes, 64):
        e("\tPREFETCHT0 %d(R12)(BX*1)" % off)
    e("\tADDQ 96(AX), R12")
    for off in range(0, nbytes, 64):
        e("\tPREFETCHT0 %d(R12)(BX*1)" % off)

def pair_kernel(isa):
    Z = isa == "avx512"
    name = "dwPairsAVX512" if Z else "dwPairsAVX2"
    R = "Z" if Z else "Y"
    vb = 64 if Z else 32
    vl = 16 if Z else 8
    if Z:
        blocks = [(8, True), (4, False), (1, True)]
        wA, wB, X, breg = "Z30", "Z29", "Z28", "Z31"
        boff = 16   # B accumulators Z16..
    else:
        blocks = [(4, True), (1, True)]
        wA, wB, X, breg = "Y8", "Y9", "Y10", "Y11"
        boff = 4
    prologue(name)
    e("\tVBROADCASTSS 88(AX), %s" % breg)
    e("%s_row:" % name)
    e("\tXORQ BX, BX")
    e("\tMOVQ 24(AX), CX")
    def A(j): return "%s%d" % (R, j)
    def B(j): return "%s%d" % (R, boff + j)
    def block(lbl, v, masked):
        if not masked:
            prefetch_next(v * vb)
        # init
        e("\tCMPL 92(AX), $0")
        e("\tJNE %s_acc" % lbl)
        for j in range(v):
            e("\tVMOVAPS %s, %s" % (breg, A(j)))
            e("\tVMOVAPS %s, %s" % (breg, B(j)))
        e("\tJMP %s_go" % lbl)
        e("%s_acc:" % lbl)
        e("\tLEAQ (DI)(BX*1), R12")
        e("\tADDQ 96(AX), R12")
        for j in range(v):
            if masked and Z:
                e("\tVMOVUPS.Z (DI)(BX*1), K1, %s" % A(j))
                e("\tVMOVUPS.Z (R12), K1, %s" % B(j))
            elif masked:
                e("\tVMASKMOVPS (DI)(BX*1), Y12, %s" % A(j))
                e("\tVMASKMOVPS (R12), Y12, %s" % B(j))
            else:
                e("\tVMOVUPS %d(DI)(BX*1), %s" % (j*vb, A(j)))
                e("\tVMOVUPS %d(R12), %s" % (j*vb, B(j)))
        e("%s_go:" % lbl)
        def load(j, dst):
            if masked and Z: return "VMOVUPS.Z (R12), K1, %s" % dst
            if masked: return "VMASKMOVPS (R12), Y12, %s" % dst
            return "VMOVUPS %d(R12), %s" % (j*vb, dst)
        def fma_mem(j, w, acc):
            if masked: return [load(j, X), "VFMADD231PS %s, %s, %s" % (X, w, acc)]
            return ["VFMADD231PS %d(R12), %s, %s" % (j*vb, w, acc)]
        e("\tMOVQ 16(AX), R8")
        e("\tMOVQ R8, R14")
        e("\tLEAQ (SI)(BX*1), R9")
        # phase 0: filter row 0 into A only
        e("\tMOVQ R9, R12")
        e("\tMOVQ 64(AX), R11")
        e("%s_p0:" % lbl)
        e("\tVBROADCASTSS (R8), %s" % wA)
        for j in range(v):
            for l in fma_mem(j, wA, A(j)): e("\t" + l)
        e("\tADDQ $4, R8")
        e("\tADDQ DX, R12")
        e("\tDECQ R11")
        e("\tJNZ %s_p0" % lbl)
        # phase 1: padded rows 1..kh-1 feed A (filter row j) and B (filter row j-1)
        e("\tMOVQ 56(AX), R10")
        e("\tDECQ R10")
        e("\tJZ %s_p2" % lbl)
        e("%s_p1ky:" % lbl)
        e("\tADDQ 72(AX), R9")
        e("\tMOVQ R9, R12")
        e("\tMOVQ 64(AX), R11")
        e("%s_p1kx:" % lbl)
        e("\tVBROADCASTSS (R8), %s" % wA)
        e("\tVBROADCASTSS (R14), %s" % wB)
        for j in range(v):
            e("\t" + load(j, X))
            e("\tVFMADD231PS %s, %s, %s" % (X, wA, A(j)))
            e("\tVFMADD231PS %s, %s, %s" % (X, wB, B(j)))
        e("\tADDQ $4, R8")
        e("\tADDQ $4, R14")
        e("\tADDQ DX, R12")
        e("\tDECQ R11")
        e("\tJNZ %s_p1kx" % lbl)
        e("\tDECQ R10")
        e("\tJNZ %s_p1ky" % lbl)
        # phase 2: padded row kh feeds B (filter row kh-1) only
        e("%s_p2:" % lbl)
        e("\tADDQ 72(AX), R9")
        e("\tMOVQ R9, R12")
        e("\tMOVQ 64(AX), R11")
        e("%s_p2kx:" % lbl)
        e("\tVBROADCASTSS (R14), %s" % wB)
        for j in range(v):
            for l in fma_mem(j, wB, B(j)): e("\t" + l)
        e("\tADDQ $4, R14")
        e("\tADDQ DX, R12")
        e("\tDECQ R11")
        e("\tJNZ %s_p2kx" % lbl)
        # store
        e("\tLEAQ (DI)(BX*1), R12")
        e("\tADDQ 96(AX), R12")
        for j in range(v):
            if masked and Z:
                e("\tVMOVUPS %s, K1, (DI)(BX*1)" % A(j))
                e("\tVMOVUPS %s, K1, (R12)" % B(j))
            elif masked:
                e("\tVMASKMOVPS %s, Y12, (DI)(BX*1)" % A(j))
                e("\tVMASKMOVPS %s, Y12, (R12)" % B(j))
            else:
                e("\tVMOVUPS %s, %d(DI)(BX*1)" % (A(j), j*vb))
                e("\tVMOVUPS %s, %d(R12)" % (B(j), j*vb))
    for i, (v, loop) in enumerate(blocks):
        lbl = "%s_b%d" % (name, v)
        nxt = "%s_b%d" % (name, blocks[i+1][0]) if i+1 < len(blocks) else "%s_tail" % name
        e("%s:" % lbl)
        e("\tCMPQ CX, $%d" % (v*vl))
        e("\tJLT %s" % nxt)
        block(lbl, v, False)
        e("\tADDQ $%d, BX" % (v*vb))
        e("\tSUBQ $%d, CX" % (v*vl))
        e("\tJMP %s" % (lbl if loop else nxt))
    lbl = "%s_tail" % name
    e("%s:" % lbl)
    e("\tTESTQ CX, CX")
    e("\tJZ %s_next" % name)
    if Z:
        e("\tMOVL $1, R8")
        e("\tSHLL CX, R8")
        e("\tDECL R8")
        e("\tKMOVW R8, K1")
    else:
        e("\tLEAQ dwmask<>+32(SB), R8")
        e("\tSHLQ $2, CX")
        e("\tSUBQ CX, R8")
        e("\tVMOVDQU (R8), Y12")
    block(lbl, 1, True)
    e("%s_next:" % name)
    e("\tADDQ 40(AX), DI")
    e("\tADDQ 48(AX), SI")
    e("\tDECQ R13")
    e("\tJNZ %s_row" % name)
    e("%s_done:" % name)
    e("\tVZEROUPPER")
    e("\tRET")
    e()

def gradpair_kernel(isa):
    Z = isa == "avx512"
    name = "dwGradPairsAVX512" if Z else "dwGradPairsAVX2"
    R = "Z" if Z else "Y"
    vb = 64 if Z else 32
    vl = 16 if Z else 8
    if Z:
        blocks = [(8, True), (4, False), (1, True)]
        X, aA, aB, boff = "Z28", "Z8", "Z9", 16
    else:
        blocks = [(4, True), (1, True)]
        X, aA, aB, boff = "Y10", "Y8", "Y9", 4
    e("// func %s(a *dwArgs)" % name)
    e("TEXT ·%s(SB), NOSPLIT, $8-8" % name)
    e("\tMOVQ a+0(FP), AX")
    e("\tMOVQ 32(AX), R13")
    e("\tTESTQ R13, R13")
    e("\tJZ %s_done" % name)
    e("\tCMPQ 24(AX), $0")
    e("\tJEQ %s_done" % name)
    e("\tMOVQ 16(AX), DI")
    e("\tMOVQ 8(AX), SI")
    e("\tMOVQ 80(AX), DX")
    e("\tMOVQ $0, tog-8(SP)")
    e("%s_row:" % name)
    e("\tXORQ BX, BX")
    e("\tMOVQ 24(AX), CX")
    def GA(j): return "%s%d" % (R, j)
    def GB(j): return "%s%d" % (R, boff + j)
    def block(lbl, v, masked):
        if not masked:
            prefetch_next(v * vb)
        e("\tLEAQ (DI)(BX*1), R12")
        e("\tADDQ 96(AX), R12")
        for j in range(v):
            if masked and Z:
                e("\tVMOVUPS.Z (DI)(BX*1), K1, %s" % GA(j))
                e("\tVMOVUPS.Z (R12), K1, %s" % GB(j))
            elif masked:
                e("\tVMASKMOVPS (DI)(BX*1), Y12, %s" % GA(j))
                e("\tVMASKMOVPS (R12), Y12, %s" % GB(j))
            else:
                e("\tVMOVUPS %d(DI)(BX*1), %s" % (j*vb, GA(j)))
                e("\tVMOVUPS %d(R12), %s" % (j*vb, GB(j)))
        def load(j, dst):
            if masked and Z: return "VMOVUPS.Z (R12), K1, %s" % dst
            if masked: return "VMASKMOVPS (R12), Y12, %s" % dst
            return "VMOVUPS %d(R12), %s" % (j*vb, dst)
        def fma_mem(j, g, acc):
            if masked: return [load(j, X), "VFMADD231PS %s, %s, %s" % (X, g, acc)]
            return ["VFMADD231PS %d(R12), %s, %s" % (j*vb, g, acc)]
        e("\tMOVQ tog-8(SP), R8")
        e("\tXORQ $64, tog-8(SP)")
        e("\tADDQ 0(AX), R8")
        e("\tLEAQ 128(R8), R14")
        e("\tLEAQ (SI)(BX*1), R9")
        # phase 0: padded row 0, tap (0, kx) with the first g row
        e("\tMOVQ R9, R12")
        e("\tMOVQ 64(AX), R11")
        e("%s_p0:" % lbl)
        e("\tVMOVUPS (R8), %s" % aA)
        for j in range(v):
            for l in fma_mem(j, GA(j), aA): e("\t" + l)
        e("\tVMOVUPS %s, (R8)" % aA)
        e("\tADDQ $256, R8")
        e("\tADDQ DX, R12")
        e("\tDECQ R11")
        e("\tJNZ %s_p0" % lbl)
        # phase 1: padded rows 1..kh-1: tap (j, kx) with the first g row, (j-1, kx) with the second
        e("\tMOVQ 56(AX), R10")
        e("\tDECQ R10")
        e("\tJZ %s_p2" % lbl)
        e("%s_p1ky:" % lbl)
        e("\tADDQ 72(AX), R9")
        e("\tMOVQ R9, R12")
        e("\tMOVQ 64(AX), R11")
        e("%s_p1kx:" % lbl)
        e("\tVMOVUPS (R8), %s" % aA)
        e("\tVMOVUPS (R14), %s" % aB)
        for j in range(v):
            e("\t" + load(j, X))
            e("\tVFMADD231PS %s, %s, %s" % (X, GA(j), aA))
            e("\tVFMADD231PS %s, %s, %s" % (X, GB(j), aB))
        e("\tVMOVUPS %s, (R8)" % aA)
        e("\tVMOVUPS %s, (R14)" % aB)
        e("\tADDQ $256, R8")
        e("\tADDQ $256, R14")
        e("\tADDQ DX, R12")
        e("\tDECQ R11")
        e("\tJNZ %s_p1kx" % lbl)
        e("\tDECQ R10")
        e("\tJNZ %s_p1ky" % lbl)
        # phase 2: padded row kh, tap (kh-1, kx) with the second g row
        e("%s_p2:" % lbl)
        e("\tADDQ 72(AX), R9")
        e("\tMOVQ R9, R12")
        e("\tMOVQ 64(AX), R11")
        e("%s_p2kx:" % lbl)
        e("\tVMOVUPS (R14), %s" % aB)
        for j in range(v):
            for l in fma_mem(j, GB(j), aB): e("\t" + l)
        e("\tVMOVUPS %s, (R14)" % aB)
        e("\tADDQ $256, R14")
        e("\tADDQ DX, R12")
        e("\tDECQ R11")
        e("\tJNZ %s_p2kx" % lbl)
    for i, (v, loop) in enumerate(blocks):
        lbl = "%s_b%d" % (name, v)
        nxt = "%s_b%d" % (name, blocks[i+1][0]) if i+1 < len(blocks) else "%s_tail" % name
        e("%s:" % lbl)
        e("\tCMPQ CX, $%d" % (v*vl))
        e("\tJLT %s" % nxt)
        block(lbl, v, False)
        e("\tADDQ $%d, BX" % (v*vb))
        e("\tSUBQ $%d, CX" % (v*vl))
        e("\tJMP %s" % (lbl if loop else nxt))
    lbl = "%s_tail" % name
    e("%s:" % lbl)
    e("\tTESTQ CX, CX")
    e("\tJZ %s_next" % name)
    if Z:
        e("\tMOVL $1, R8")
        e("\tSHLL CX, R8")
        e("\tDECL R8")
        e("\tKMOVW R8, K1")
    else:
        e("\tLEAQ dwmask<>+32(SB), R8")
        e("\tSHLQ $2, CX")
        e("\tSUBQ CX, R8")
        e("\tVMOVDQU (R8), Y12")
    block(lbl, 1, True)
    e("%s_next:" % name)
    e("\tADDQ 40(AX), DI")
    e("\tADDQ 48(AX), SI")
    e("\tDECQ R13")
    e("\tJNZ %s_row" % name)
    e("%s_done:" % name)
    e("\tVZEROUPPER")
    e("\tRET")
    e()

e("// ---- AVX-512")
e()
rows_kernel("avx512")
pair_kernel("avx512")
grad_kernel("avx512")
gradpair_kernel("avx512")
e("// ---- AVX2")
e()
rows_kernel("avx2")
pair_kernel("avx2")
grad_kernel("avx2")
gradpair_kernel("avx2")
sys.stdout.write("\n".join(out).rstrip() + "\n")
