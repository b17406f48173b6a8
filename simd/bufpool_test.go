package simd

import (
	"os"
	"sync"
	"testing"
	"unsafe"
)

// withPool runs a test against an empty pool with the given cap, restoring the
// process-wide pool afterwards (other tests in the package share it).
func withPool(t *testing.T, limit int64) {
	t.Helper()
	FlushBufs()
	ResetBufStats()
	old := SetBufLimit(limit)
	t.Cleanup(func() { SetBufLimit(old); FlushBufs() })
}

func same(a, b []float32) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }

func TestBufPoolReusesExactLength(t *testing.T) {
	withPool(t, 1<<30)
	n := MinPoolLen + 3
	a := GetBuf(n)
	if len(a) != n || cap(a) != n {
		t.Fatalf("GetBuf(%d): len %d cap %d", n, len(a), cap(a))
	}
	PutBuf(a)
	if s := ReadBufStats(); s.HeldBytes != int64(n)*4 {
		t.Fatalf("held %d bytes after one put, want %d", s.HeldBytes, n*4)
	}
	if b := GetBuf(n + 1); same(a, b) {
		t.Fatal("a buffer was reused for a different length")
	}
	b := GetBuf(n)
	if !same(a, b) {
		t.Fatal("the returned buffer was not reused for the same length")
	}
	if c := GetBuf(n); same(b, c) {
		t.Fatal("one buffer handed out twice")
	}
	if s := ReadBufStats(); s.HeldBytes != 0 {
		t.Fatalf("held %d bytes after taking the only buffer back", s.HeldBytes)
	}
}

func TestBufPoolZeroes(t *testing.T) {
	withPool(t, 1<<30)
	// Long enough to be cleared by several parallel chunks, odd so the last is short.
	n := 3*zeroGrain + 17
	a := GetBuf(n)
	for i := range a {
		a[i] = float32(i) + 1
	}
	PutBuf(a)
	b := GetZeroBuf(n)
	if !same(a, b) {
		t.Fatal("GetZeroBuf did not reuse the pooled buffer")
	}
	for i, v := range b {
		if v != 0 {
			t.Fatalf("GetZeroBuf: element %d is %g", i, v)
		}
	}
	if z := GetZeroBuf(n); len(z) != n || z[n-1] != 0 || z[0] != 0 {
		t.Fatal("fresh GetZeroBuf not zero")
	}
}

func TestBufPoolSmallAndSlicesBypass(t *testing.T) {
	withPool(t, 1<<30)
	PutBuf(make([]float32, MinPoolLen-1))
	big := make([]float32, 2*MinPoolLen)
	PutBuf(big[:MinPoolLen]) // a sub-slice: its tail may belong to someone else
	if s := ReadBufStats(); s.HeldBytes != 0 {
		t.Fatalf("pool took a small buffer or a sub-slice: held %d bytes", s.HeldBytes)
	}
}

func TestBufPoolCap(t *testing.T) {
	n := MinPoolLen
	withPool(t, int64(n)*4*2) // room for two buffers
	bs := [][]float32{GetBuf(n), GetBuf(n), GetBuf(n)}
	ResetBufStats()
	for _, b := range bs {
		PutBuf(b)
	}
	s := ReadBufStats()
	if s.HeldBytes != int64(n)*4*2 || s.Puts != 3 || s.Drops != 1 {
		t.Fatalf("cap of two buffers: %+v", s)
	}
	SetBufLimit(int64(n) * 4)
	if s := ReadBufStats(); s.HeldBytes != int64(n)*4 {
		t.Fatalf("lowering the cap to one buffer left %d bytes", s.HeldBytes)
	}
	FlushBufs()
	if s := ReadBufStats(); s.HeldBytes != 0 {
		t.Fatalf("FlushBufs left %d bytes", s.HeldBytes)
	}
	SetBufLimit(0)
	PutBuf(GetBuf(n))
	if s := ReadBufStats(); s.HeldBytes != 0 {
		t.Fatal("a zero cap still pooled")
	}
}

// A full pool makes room for a returned buffer by dropping those of the size used
// longest ago, so a run that moves to new shapes is served again.
func TestBufPoolEvictsLeastRecentlyUsedSize(t *testing.T) {
	a, b := MinPoolLen, MinPoolLen+1
	withPool(t, int64(a+b)*4) // room for one of each, not for three
	a1, a2 := GetBuf(a), GetBuf(a)
	PutBuf(a1) // size a, used long ago
	bs := GetBuf(b)
	PutBuf(bs) // size b, used since
	PutBuf(a2) // over the cap: size b, last used before this put of a, makes room
	s := ReadBufStats()
	if s.HeldBytes > int64(a+b)*4 || s.Drops != 1 {
		t.Fatalf("over the cap or no eviction: %+v", s)
	}
	if got := GetBuf(a); !same(got, a2) && !same(got, a1) {
		t.Fatal("the size just returned was evicted")
	}
	if got := GetBuf(b); same(got, bs) {
		t.Fatal("the least recently used size was kept instead")
	}
	// An oversized buffer is refused without emptying the pool.
	FlushBufs()
	PutBuf(GetBuf(a))
	PutBuf(make([]float32, 3*MinPoolLen))
	if s := ReadBufStats(); s.HeldBytes != int64(a)*4 {
		t.Fatalf("a buffer larger than the cap changed the pool: held %d", s.HeldBytes)
	}
}

func TestDefaultBufLimit(t *testing.T) {
	if os.Getenv("HALO_BUFPOOL_MB") != "" {
		t.Skip("HALO_BUFPOOL_MB sets the cap")
	}
	if DefaultBufLimit < 1<<30 {
		t.Fatalf("default cap %d below 1 GiB", DefaultBufLimit)
	}
	if m := physicalMemory(); m > 0 && DefaultBufLimit > m/2 {
		t.Fatalf("default cap %d is over half of the %d bytes of RAM", DefaultBufLimit, m)
	}
}

func TestBufPoolDoublePutPanics(t *testing.T) {
	withPool(t, 1<<30)
	a := GetBuf(MinPoolLen)
	PutBuf(a)
	defer func() {
		if recover() == nil {
			t.Fatal("second PutBuf of the same buffer did not panic")
		}
	}()
	PutBuf(a)
}

// TestBufPoolConcurrent has goroutines take, fill, check and return buffers at once:
// under -race it proves the locking, and the fill check proves no buffer is ever held
// by two goroutines at a time.
func TestBufPoolConcurrent(t *testing.T) {
	withPool(t, 1<<30)
	sizes := []int{MinPoolLen, MinPoolLen + 1, 2*MinPoolLen + 5}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				n := sizes[(g+i)%len(sizes)]
				var b []float32
				if i%2 == 0 {
					b = GetZeroBuf(n)
				} else {
					b = GetBuf(n)
				}
				mark := float32(g*1000 + i)
				for j := range b {
					b[j] = mark
				}
				for j := 0; j < n; j += 997 {
					if b[j] != mark {
						t.Errorf("goroutine %d: buffer changed under it", g)
						return
					}
				}
				PutBuf(b)
			}
		}()
	}
	wg.Wait()
	s := ReadBufStats()
	if s.Hits == 0 {
		t.Fatalf("no reuse in 400 requests over 3 sizes: %+v", s)
	}
}

func TestBufPoolPoison(t *testing.T) {
	withPool(t, 1<<30)
	defer SetPoisonBufs(SetPoisonBufs(true))
	for _, n := range []int{3, MinPoolLen + 1} {
		b := GetBuf(n)
		for i, v := range b {
			if v == v {
				t.Fatalf("poisoned GetBuf(%d): element %d is %g, not NaN", n, i, v)
			}
		}
		PutBuf(b)
	}
	if z := GetZeroBuf(MinPoolLen + 1); z[0] != 0 || z[MinPoolLen] != 0 {
		t.Fatal("GetZeroBuf poisoned")
	}
}
