package loader

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvogl/halo/loader/torchfile"
)

// The committed fixture dataset testdata/cvogl/CVOGL_DroneAerial: tiny images (queries
// 32x32, one 48x48 to exercise resizing; satellites 64x64, one undecodable), a train split
// (zip torch.save written by torchfile) with good and bad records of every kind, a val
// split in the legacy torch.save format with numpy scalars (testdata/cvogl_legacy_gen.py)
// and a test split. Regenerate with HALO_REGEN_FIXTURES=1 go test ./loader -run Fixture.
const fixtureRoot = "../testdata/cvogl"

const (
	fixQ, fixS = 32, 64 // fixture query and satellite sizes
)

// fixtureTrain is what the train split holds, as Python would have written it.
func fixtureTrain() torchfile.List {
	rb := func(v ...float64) torchfile.List {
		l := make(torchfile.List, len(v))
		for i, x := range v {
			l[i] = x
		}
		return l
	}
	tup := func(v ...any) torchfile.Tuple { return torchfile.Tuple(v) }
	return torchfile.List{
		tup(int64(1), "q1.jpg", "s1.jpg", tup(int64(60), int64(62)), tup(int64(30), int64(31)), rb(10.5, 12.25, 40.75, 44.0), rb(10.5, 12.25, 40.75, 12.25, 40.75, 44, 10.5, 44), "building_house"),
		tup(int64(2), "q2.jpg", "s2.jpg", tup(20.0, 10.0), tup(10.0, 5.5), tup(int64(5), int64(6), int64(60), int64(50)), rb(5, 6, 60, 6, 60, 50, 5, 50), "building_retail"),
		tup(int64(3), "q1.jpg", "s2.jpg", tup(int64(2), int64(2)), tup(int64(1), int64(1)), rb(50, 10, 70, 30), rb(50, 10, 70, 10, 70, 30, 50, 30), "building_house"),
		tup(int64(4), "nope.jpg", "s1.jpg", tup(int64(2), int64(2)), tup(int64(1), int64(1)), rb(1, 1, 9, 9), rb(1, 1, 9, 1, 9, 9, 1, 9), "building_house"),
		tup(int64(5), "q2.jpg", "broken.jpg", tup(int64(2), int64(2)), tup(int64(1), int64(1)), rb(1, 1, 9, 9), rb(1, 1, 9, 1, 9, 9, 1, 9), "building_house"),
		tup(int64(6), "q3.jpg", "s1.jpg", tup(int64(80), int64(6)), tup(int64(40), int64(3)), rb(1, 1, 9, 9), rb(1, 1, 9, 1, 9, 9, 1, 9), "building_house"),
		tup(int64(7), "q3.jpg", "s1.jpg", tup(int64(80), int64(6)), "building_house"),
		tup(big.NewInt(8), "q_big.jpg", "s1.jpg", torchfile.List{int64(94), int64(48)}, torchfile.List{int64(47), int64(24)}, rb(20, 21, 50, 60), rb(20, 21, 50, 21, 50, 60, 20, 60), "building_school"),
	}
}

func fixtureTest() torchfile.List {
	return torchfile.List{
		torchfile.Tuple{int64(21), "q1.jpg", "s1.jpg", torchfile.Tuple{int64(10), int64(12)}, torchfile.Tuple{int64(5), int64(6)}, torchfile.List{0.0, 0.0, 64.0, 64.0}, torchfile.List{0.0, 0.0, 64.0, 0.0, 64.0, 64.0, 0.0, 64.0}, "building_house"},
		torchfile.Tuple{int64(22), "q2.jpg", "s2.jpg", torchfile.Tuple{int64(62), int64(2)}, torchfile.Tuple{int64(31), int64(1)}, torchfile.List{32.0, 16.0, 48.0, 63.5}, torchfile.List{32.0, 16.0, 48.0, 16.0, 48.0, 63.5, 32.0, 63.5}, "building_retail"},
	}
}

func TestRegenerateFixture(t *testing.T) {
	if os.Getenv("HALO_REGEN_FIXTURES") == "" {
		t.Skip("set HALO_REGEN_FIXTURES=1 to rewrite testdata/cvogl")
	}
	dir := filepath.Join(fixtureRoot, "CVOGL_DroneAerial")
	for _, d := range []string{"query", "satellite"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range []string{"q1.jpg", "q2.jpg", "q3.jpg"} {
		if err := viaAt(randomImage(fixQ, fixQ, uint64(10+i))).WriteJPEG(filepath.Join(dir, "query", name), 90); err != nil {
			t.Fatal(err)
		}
	}
	if err := viaAt(randomImage(48, 48, 20)).WriteJPEG(filepath.Join(dir, "query", "q_big.jpg"), 90); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"s1.jpg", "s2.jpg"} {
		if err := rectImage(fixS, fixS, [4]float64{10, 12, 40, 44}, uint64(30+i)).WriteJPEG(filepath.Join(dir, "satellite", name), 90); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "satellite", "broken.jpg"), []byte("\xff\xd8\xff\xe0 not really a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := torchfile.WriteFile(filepath.Join(dir, "CVOGL_DroneAerial_train.pth"), fixtureTrain()); err != nil {
		t.Fatal(err)
	}
	if err := torchfile.WriteFile(filepath.Join(dir, "CVOGL_DroneAerial_test.pth"), fixtureTest()); err != nil {
		t.Fatal(err)
	}
}
