package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// utmRef are reference conversions from PROJ 9.1.1
// (`echo E N | cs2cs -f %.10f EPSG:<code> EPSG:4326`), whose UTM is the
// Poder/Engsager extended transverse Mercator, independent of this implementation.
// They cover both hemispheres, the central meridian, the equator, far off the central
// meridian (16 degrees at 80 N), and the antimeridian (zones 1 and 60).
var utmRef = []struct {
	epsg     int
	e, n     float64
	lat, lon float64
}{
	{32615, 539827, 4880079, 44.0728011910, -92.5026352837}, // the CVOGL example tile
	{32615, 500000, 4649776.224819, 42.0000000000, -93.0000000000},
	{32615, 225928.946613, 1106451.278254, 10.0000000000, -95.5000000000},
	{32615, 166021.4431, 0, 0.0000000000, -95.9999999998},
	{32615, 800000, 9000000, 80.6690708628, -76.1985533371},
	{32631, 448250.598928, 5411951.598942, 48.8583701000, 2.2944813000},   // Eiffel Tower
	{32618, 580735.777278, 4504700.648540, 40.6892494000, -74.0445004000}, // Statue of Liberty
	{32654, 386440.553325, 3946805.954273, 35.6585805000, 139.7454329000}, // Tokyo Tower
	{32756, 334786, 6252080, -33.8586639165, 151.2140228609},
	{32715, 441867.784867, 1116915.044052, -80.0000000000, -96.0000000000},
	{32733, 700000, 7000000, -27.1079795236, 17.0175056552},
	{32601, 300000, 100000, 0.9042826099, -178.7972752291},
	{32660, 700000, 7900000, 71.1204852018, -177.4552353469},
}

func TestUTMToWGS84KnownPoints(t *testing.T) {
	for _, r := range utmRef {
		zone, north, ok := utmFromEPSG(r.epsg)
		if !ok {
			t.Fatalf("EPSG:%d not recognised as UTM", r.epsg)
		}
		lat, lon := utmToLatLon(r.e, r.n, zone, north)
		// 1e-9 degrees is about 0.1 mm on the ground; PROJ prints 1e-10.
		if math.Abs(lat-r.lat) > 1e-9 || math.Abs(lon-r.lon) > 1e-9 {
			t.Errorf("EPSG:%d %.3f %.3f -> %.10f %.10f, PROJ says %.10f %.10f (diff %.2g %.2g deg)",
				r.epsg, r.e, r.n, lat, lon, r.lat, r.lon, lat-r.lat, lon-r.lon)
		}
		// The forward projection brings it back to within a micrometre.
		e, n := latLonToUTM(r.lat, r.lon, zone, north)
		if math.Abs(e-r.e) > 1e-4 || math.Abs(n-r.n) > 1e-4 {
			t.Errorf("EPSG:%d forward of %.10f %.10f -> %.6f %.6f, want %.6f %.6f", r.epsg, r.lat, r.lon, e, n, r.e, r.n)
		}
	}
	// The brief's check: the example tile is about 44.07 N, 92.50 W.
	lat, lon := utmToLatLon(539827, 4880079, 15, true)
	if math.Abs(lat-44.07) > 0.01 || math.Abs(lon+92.50) > 0.01 {
		t.Errorf("example tile at %f %f", lat, lon)
	}
}

func TestUTMRoundTrip(t *testing.T) {
	for lat := -80.0; lat <= 84; lat += 7.3 {
		for dlon := -3.0; dlon <= 3; dlon += 0.75 {
			north := lat >= 0
			e, n := latLonToUTM(lat, 15+dlon, 33, north)
			la, lo := utmToLatLon(e, n, 33, north)
			if math.Abs(la-lat) > 1e-11 || math.Abs(lo-(15+dlon)) > 1e-11 {
				t.Fatalf("round trip %g %g -> %f %f -> %.13f %.13f", lat, 15+dlon, e, n, la, lo)
			}
		}
	}
}

func TestUTMFromEPSG(t *testing.T) {
	for _, c := range []struct {
		epsg        int
		zone        int
		north, isUT bool
	}{{32601, 1, true, true}, {32660, 60, true, true}, {32715, 15, false, true}, {32760, 60, false, true},
		{32600, 0, false, false}, {32661, 0, false, false}, {32700, 0, false, false}, {4326, 0, false, false}, {3857, 0, false, false}} {
		z, n, ok := utmFromEPSG(c.epsg)
		if ok != c.isUT || (ok && (z != c.zone || n != c.north)) {
			t.Errorf("EPSG:%d -> zone %d north %v ok %v", c.epsg, z, n, ok)
		}
	}
}

func TestParseCVOGLName(t *testing.T) {
	good := map[string]cvoglTile{
		"539827_4880079_300_32615.jpg":           {539827, 4880079, 300, 32615},
		"/data/sat/539827_4880079_300_32615.JPG": {539827, 4880079, 300, 32615},
		"334786.5_6252080.25_150_32756.png":      {334786.5, 6252080.25, 150, 32756},
	}
	for name, want := range good {
		got, ok := parseCVOGLName(name)
		if !ok || got != want {
			t.Errorf("%s -> %+v %v, want %+v", name, got, ok, want)
		}
	}
	for _, name := range []string{
		"satellite.jpg", "539827_4880079_300.jpg", "539827_4880079_300_32615_x.jpg", "539827_4880079_300_32615",
		"539827_4880079_300_4326.jpg",  // not UTM
		"539827_4880079_300_32661.jpg", // zone 61
		"539827_4880079_0_32615.jpg",   // no footprint
		"-539827_4880079_300_32615.jpg", "a539827_4880079_300_32615.jpg", "539827_4880079_300_32615.gif",
		"539827_48800790000_300_32615.jpg", // northing beyond the UTM range
		"",
	} {
		if got, ok := parseCVOGLName(name); ok {
			t.Errorf("%q parsed as %+v", name, got)
		}
	}
}

func TestTilePixelToMap(t *testing.T) {
	tile := cvoglTile{539827, 4880079, 300, 32615}
	cases := []struct {
		x, y float64
		o    tileOrigin
		e, n float64
	}{
		{512, 512, originCenter, 539827, 4880079},
		{0, 0, originCenter, 539677, 4880229},
		{1024, 1024, originCenter, 539977, 4879929},
		{0, 0, originTopLeft, 539827, 4880079},
		{1024, 512, originTopLeft, 540127, 4879929},
	}
	for _, c := range cases {
		e, n := tile.pixelToMap(c.x, c.y, 1024, 1024, c.o)
		if math.Abs(e-c.e) > 1e-9 || math.Abs(n-c.n) > 1e-9 {
			t.Errorf("(%g,%g) %v -> %f %f, want %f %f", c.x, c.y, c.o, e, n, c.e, c.n)
		}
	}
}

func TestWorldFile(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "tile.jpg")
	if _, found, err := findWorldFile(img); found || err != nil {
		t.Fatalf("no world file: found %v err %v", found, err)
	}
	// 0.5 m pixels, north up, centre of the top-left pixel at (1000.25, 2000.75).
	os.WriteFile(filepath.Join(dir, "tile.jgw"), []byte(" 0.5\n0\n\n0\n-0.5\n1000.25 \n2000.75\n"), 0o644)
	wf, found, err := findWorldFile(img)
	if err != nil || !found {
		t.Fatalf("found %v err %v", found, err)
	}
	if wf.A != 0.5 || wf.D != 0 || wf.B != 0 || wf.E != -0.5 || wf.C != 1000.25 || wf.F != 2000.75 {
		t.Fatalf("parsed %+v", wf)
	}
	// The top-left corner of the image is half a pixel up-left of C,F.
	if x, y := wf.pixelToMap(0, 0); x != 1000 || y != 2001 {
		t.Errorf("corner -> %v %v", x, y)
	}
	if x, y := wf.pixelToMap(10.5, 4.5); x != 1005.25 || y != 1998.75 {
		t.Errorf("pixel centre (10,4) -> %v %v", x, y)
	}
	// Rotation terms: x' = A c + B r + C, y' = D c + E r + F.
	rot := worldFile{A: 1, D: 2, B: 3, E: -4, C: 10, F: 20}
	if x, y := rot.pixelToMap(1.5, 2.5); x != 1+6+10 || y != 2-8+20 {
		t.Errorf("rotated -> %v %v", x, y)
	}
	// .png looks for .pgw, .tif for .tfw, and the extension + "w" form.
	for img, side := range map[string]string{"a.png": "a.pgw", "b.tif": "b.tfw", "c.jpg": "c.jpgw", "d.jpeg": "d.wld"} {
		os.WriteFile(filepath.Join(dir, side), []byte("1\n0\n0\n-1\n5\n6\n"), 0o644)
		wf, found, err := findWorldFile(filepath.Join(dir, img))
		if !found || err != nil || wf.C != 5 {
			t.Errorf("%s beside %s: %+v %v %v", side, img, wf, found, err)
		}
	}
	for body, msg := range map[string]string{
		"1\n0\n0\n-1\n5\n":       "5 numbers",
		"1\n0\n0\n-1\n5\n6\n7\n": "7 numbers",
		"1\n0\nx\n-1\n5\n6\n":    "line 3",
		"0\n0\n0\n0\n5\n6\n":     "singular",
		"1\n0\n0\n-1\nNaN\n6\n":  "line 5",
	} {
		p := filepath.Join(dir, "bad.jgw")
		os.WriteFile(p, []byte(body), 0o644)
		_, found, err := findWorldFile(filepath.Join(dir, "bad.jpg"))
		if !found || err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), "bad.jgw") {
			t.Errorf("%q: found %v err %v, want %q", body, found, err, msg)
		}
	}
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	sat := filepath.Join(dir, "539827_4880079_300_32615.jpg")
	g, ok, err := locate(sat, 1024, 1024, 512, 512, 100, 50, originCenter, 0)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if g.X != 539827 || g.Y != 4880079 || g.EPSG != 32615 || g.Lat == nil ||
		math.Abs(*g.Lat-44.0728011910) > 1e-9 || math.Abs(*g.Lon+92.5026352837) > 1e-9 ||
		math.Abs(g.WidthM-100*300.0/1024) > 1e-9 || !strings.Contains(g.Convention, "CENTRE") {
		t.Errorf("name: %+v", g)
	}
	if g, _, _ := locate(sat, 1024, 1024, 0, 0, 1, 1, originTopLeft, 0); g.X != 539827 || g.Y != 4880079 ||
		!strings.Contains(g.Convention, "TOP-LEFT") {
		t.Errorf("top-left: %+v", g)
	}
	// A world file wins over the name and keeps the name's EPSG code.
	os.WriteFile(filepath.Join(dir, "539827_4880079_300_32615.jgw"), []byte("1\n0\n0\n-1\n500000\n4649776.224819\n"), 0o644)
	g, ok, err = locate(sat, 1024, 1024, 0.5, 0.5, 2, 2, originCenter, 0)
	if err != nil || !ok || g.X != 500000 || g.Y != 4649776.224819 || g.EPSG != 32615 ||
		math.Abs(*g.Lat-42) > 1e-9 || math.Abs(*g.Lon+93) > 1e-9 || g.WidthM != 2 {
		t.Errorf("world file: %+v %v %v", g, ok, err)
	}
	// A world file without a known CRS: map coordinates only.
	plain := filepath.Join(dir, "photo.png")
	os.WriteFile(filepath.Join(dir, "photo.pgw"), []byte("2\n0\n0\n-2\n100\n200\n"), 0o644)
	g, ok, err = locate(plain, 64, 64, 0.5, 0.5, 1, 1, originCenter, 0)
	if err != nil || !ok || g.X != 100 || g.Y != 200 || g.Lat != nil {
		t.Errorf("plain world file: %+v %v %v", g, ok, err)
	}
	// ... or with --epsg 4326: x is the longitude.
	g, _, _ = locate(plain, 64, 64, 0.5, 0.5, 1, 1, originCenter, 4326)
	if g.Lat == nil || *g.Lat != 200 || *g.Lon != 100 {
		t.Errorf("4326: %+v", g)
	}
	if _, ok, err := locate(filepath.Join(dir, "nothing.jpg"), 64, 64, 1, 1, 1, 1, originCenter, 0); ok || err != nil {
		t.Errorf("no georeference: %v %v", ok, err)
	}
}
