package simd

import (
	"math/rand/v2"
	"testing"
)

// TestPackMatchesGeneric holds each path's packing routine to packGeneric, for both
// layouts, every lane count up to the path's widths, column counts around the 16-wide
// transpose blocks and awkward leading dimensions, with the transposing case done both
// by in-register transposes and by gathers; dst has guard cells after the panel that
// must stay untouched.
func TestPackMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	defer func(old bool) { packUseGather = old }(packUseGather)
	for _, useGather := range []bool{false, true} {
		packUseGather = useGather
		checkPacks(t, r)
	}
}

func checkPacks(t *testing.T, r *rand.Rand) {
	for _, im := range impls {
		for _, stored := range []int{im.mr, im.nr} {
			for valid := 1; valid <= stored; valid++ {
				for _, kc := range []int{1, 3, 16, 17, 40} {
					for _, gather := range []bool{false, true} {
						ld := stored + 5 + valid%3
						if gather {
							ld = kc + 2 + valid%4
						}
						var n int
						if gather {
							n = (valid-1)*ld + kc
						} else {
							n = (kc-1)*ld + valid
						}
						src := randSlice(r, n+1)[1:] // odd start
						want := make([]float32, kc*stored+4)
						got := make([]float32, kc*stored+4)
						for i := range got {
							got[i], want[i] = sentinel, sentinel
						}
						packGeneric(gather, want, src, ld, kc, valid, stored)
						im.pack(gather, got, src, ld, kc, valid, stored)
						for i := range got {
							if got[i] != want[i] {
								t.Fatalf("%s gather=%v valid=%d stored=%d kc=%d ld=%d: dst[%d] = %v, want %v",
									im.name, gather, valid, stored, kc, ld, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}
