package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// WGS84 ellipsoid and the UTM projection constants.
const (
	wgs84A    = 6378137.0
	wgs84F    = 1 / 298.257223563
	utmK0     = 0.9996
	utmFalseE = 500000.0
	utmFalseN = 10000000.0 // southern hemisphere only
)

// krueger holds the series constants of the transverse Mercator projection on the
// WGS84 ellipsoid (Krüger's series in the third flattening n, to n^6, as given by
// Karney, "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 2011).
// Truncated at n^6 the series are accurate to well under a millimetre within UTM zones.
var krueger = func() (k struct {
	e, rectA    float64
	alpha, beta [7]float64
}) {
	f := wgs84F
	n := f / (2 - f)
	n2, n3 := n*n, n*n*n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	k.e = math.Sqrt(f * (2 - f))
	// The rectifying radius: the meridian arc from equator to pole is rectA*pi/2.
	k.rectA = wgs84A / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	k.alpha = [7]float64{0,
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	k.beta = [7]float64{0,
		n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
		n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
		17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
		4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
		4583*n5/161280 - 108847*n6/3991680,
		20648693 * n6 / 638668800,
	}
	return k
}()

// utmZoneMeridian is the central meridian of a UTM zone in degrees.
func utmZoneMeridian(zone int) float64 { return float64(6*zone - 183) }

// utmToLatLon converts UTM easting/northing (metres, WGS84) of zone 1..60 in the given
// hemisphere to geodetic latitude and longitude in degrees (inverse transverse
// Mercator, Krüger series). Longitudes are wrapped to (-180, 180].
func utmToLatLon(easting, northing float64, zone int, north bool) (lat, lon float64) {
	k := &krueger
	y := northing
	if !north {
		y -= utmFalseN
	}
	xi := y / (utmK0 * k.rectA)
	eta := (easting - utmFalseE) / (utmK0 * k.rectA)
	xi1, eta1 := xi, eta
	for j := 1; j <= 6; j++ {
		fj := 2 * float64(j)
		xi1 -= k.beta[j] * math.Sin(fj*xi) * math.Cosh(fj*eta)
		eta1 -= k.beta[j] * math.Cos(fj*xi) * math.Sinh(fj*eta)
	}
	// (xi1, eta1) are now spherical transverse Mercator coordinates of the conformal
	// sphere: tan of the conformal latitude and the longitude offset follow directly.
	tauC := math.Sin(xi1) / math.Hypot(math.Sinh(eta1), math.Cos(xi1))
	dlon := math.Atan2(math.Sinh(eta1), math.Cos(xi1))
	tau := conformalToGeodeticTan(tauC, k.e)
	lat = math.Atan(tau) * 180 / math.Pi
	lon = utmZoneMeridian(zone) + dlon*180/math.Pi
	if lon > 180 {
		lon -= 360
	} else if lon <= -180 {
		lon += 360
	}
	return lat, lon
}

// latLonToUTM is the forward projection into a given zone (for round-trip tests and
// for placing synthetic points); it is the exact inverse of utmToLatLon.
func latLonToUTM(lat, lon float64, zone int, north bool) (easting, northing float64) {
	k := &krueger
	phi := lat * math.Pi / 180
	dlon := (lon - utmZoneMeridian(zone)) * math.Pi / 180
	dlon = math.Remainder(dlon, 2*math.Pi)
	tau := math.Tan(phi)
	sigma := math.Sinh(k.e * math.Atanh(k.e*tau/math.Hypot(1, tau)))
	tauC := tau*math.Hypot(1, sigma) - sigma*math.Hypot(1, tau)
	xi1 := math.Atan2(tauC, math.Cos(dlon))
	eta1 := math.Asinh(math.Sin(dlon) / math.Hypot(tauC, math.Cos(dlon)))
	xi, eta := xi1, eta1
	for j := 1; j <= 6; j++ {
		fj := 2 * float64(j)
		xi += k.alpha[j] * math.Sin(fj*xi1) * math.Cosh(fj*eta1)
		eta += k.alpha[j] * math.Cos(fj*xi1) * math.Sinh(fj*eta1)
	}
	easting = utmFalseE + utmK0*k.rectA*eta
	northing = utmK0 * k.rectA * xi
	if !north {
		northing += utmFalseN
	}
	return easting, northing
}

// conformalToGeodeticTan solves tau' = tau*sqrt(1+sigma^2) - sigma*sqrt(1+tau^2),
// sigma = sinh(e*atanh(e*tau/sqrt(1+tau^2))), for tau = tan(latitude) given
// tau' = tan(conformal latitude), by Newton's method (Karney 2011, eqs. 7-9 and 19-21).
// It converges to machine precision in two or three steps.
func conformalToGeodeticTan(tauC, e float64) float64 {
	e2m := 1 - e*e
	tau := tauC / e2m
	for range 8 {
		sigma := math.Sinh(e * math.Atanh(e*tau/math.Hypot(1, tau)))
		tauI := tau*math.Hypot(1, sigma) - sigma*math.Hypot(1, tau)
		d := (tauC - tauI) / math.Hypot(1, tauI) * (1 + e2m*tau*tau) / (e2m * math.Hypot(1, tau))
		tau += d
		if math.Abs(d) <= 1e-15*math.Max(1, math.Abs(tau)) {
			break
		}
	}
	return tau
}

// utmFromEPSG decodes the WGS84/UTM codes EPSG:326ZZ (zone ZZ north) and 327ZZ
// (south).
func utmFromEPSG(epsg int) (zone int, north, ok bool) {
	switch {
	case epsg >= 32601 && epsg <= 32660:
		return epsg - 32600, true, true
	case epsg >= 32701 && epsg <= 32760:
		return epsg - 32700, false, true
	}
	return 0, false, false
}

// tileOrigin says where the easting/northing of a CVOGL tile name lies in the tile.
type tileOrigin int

const (
	originCenter  tileOrigin = iota // E,N is the centre of the tile
	originTopLeft                   // E,N is the north-west corner of the tile
)

func parseTileOrigin(s string) (tileOrigin, error) {
	switch strings.ToLower(s) {
	case "center", "centre":
		return originCenter, nil
	case "top-left", "topleft", "corner":
		return originTopLeft, nil
	}
	return 0, fmt.Errorf("unknown tile origin %q (want center or top-left)", s)
}

func (o tileOrigin) String() string {
	if o == originTopLeft {
		return "top-left"
	}
	return "center"
}

// cvoglTile is the georeference encoded in a CVOGL satellite file name.
type cvoglTile struct {
	Easting, Northing float64 // metres
	Size              float64 // ground footprint of the (square) tile, metres
	EPSG              int
}

// cvoglName matches E_N_SIZE_EPSG.ext, e.g. 539827_4880079_300_32615.jpg.
var cvoglName = regexp.MustCompile(`^(\d+(?:\.\d+)?)_(\d+(?:\.\d+)?)_(\d+(?:\.\d+)?)_(\d{5})\.(?i:jpe?g|png|tiff?)$`)

// parseCVOGLName reads the georeference from a CVOGL satellite file name. Names that do
// not follow the pattern, carry a code other than WGS84/UTM, or a non-positive size
// yield ok == false: such images simply have no coordinates.
func parseCVOGLName(path string) (t cvoglTile, ok bool) {
	m := cvoglName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return t, false
	}
	var err [4]error
	t.Easting, err[0] = strconv.ParseFloat(m[1], 64)
	t.Northing, err[1] = strconv.ParseFloat(m[2], 64)
	t.Size, err[2] = strconv.ParseFloat(m[3], 64)
	t.EPSG, err[3] = strconv.Atoi(m[4])
	for _, e := range err {
		if e != nil {
			return cvoglTile{}, false
		}
	}
	if _, _, utm := utmFromEPSG(t.EPSG); !utm || t.Size <= 0 || t.Northing > 1e7 || t.Easting > 1e6 {
		return cvoglTile{}, false
	}
	return t, true
}

// pixelToMap maps a point in pixels of a w x h image of the tile (x right, y down,
// (0,0) the top-left corner of the first pixel) to easting/northing.
func (t cvoglTile) pixelToMap(x, y float64, w, h int, o tileOrigin) (e, n float64) {
	sx, sy := t.Size/float64(w), t.Size/float64(h)
	e, n = t.Easting+x*sx, t.Northing-y*sy
	if o == originCenter {
		e -= t.Size / 2
		n += t.Size / 2
	}
	return e, n
}

// worldFile is the affine georeference of an ESRI world file: six numbers, one per
// line, A (x size of a pixel), D, B (rotation terms), E (y size, negative for north-up),
// C, F (map coordinates of the CENTRE of the top-left pixel).
type worldFile struct {
	A, D, B, E, C, F float64
	Path             string
}

// worldFileCandidates lists the sidecar names looked for beside an image: the
// three-letter convention (first and last letter of the extension + "w", .jgw for
// .jpg), the extension + "w" (.jpgw) and .wld.
func worldFileCandidates(imagePath string) []string {
	ext := filepath.Ext(imagePath)
	base := strings.TrimSuffix(imagePath, ext)
	e := strings.TrimPrefix(ext, ".")
	var out []string
	if len(e) >= 2 {
		for _, s := range []string{e[:1] + e[len(e)-1:] + "w", e + "w"} {
			out = append(out, base+"."+strings.ToLower(s), base+"."+strings.ToUpper(s))
		}
	}
	return append(out, base+".wld", base+".WLD")
}

// findWorldFile reads the first world file found beside imagePath; found is false when
// there is none. A world file that exists but cannot be parsed is an error.
func findWorldFile(imagePath string) (wf worldFile, found bool, err error) {
	for _, p := range worldFileCandidates(imagePath) {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			continue
		}
		wf, err := readWorldFile(p)
		return wf, true, err
	}
	return worldFile{}, false, nil
}

// readWorldFile parses a world file: exactly six numbers, one per line (blank lines
// and surrounding spaces ignored).
func readWorldFile(path string) (worldFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return worldFile{}, err
	}
	defer f.Close()
	var v []float64
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return worldFile{}, fmt.Errorf("world file %s line %d: %q is not a number", path, line, s)
		}
		v = append(v, x)
	}
	if err := sc.Err(); err != nil {
		return worldFile{}, fmt.Errorf("world file %s: %w", path, err)
	}
	if len(v) != 6 {
		return worldFile{}, fmt.Errorf("world file %s: %d numbers, want 6 (A, D, B, E, C, F)", path, len(v))
	}
	wf := worldFile{A: v[0], D: v[1], B: v[2], E: v[3], C: v[4], F: v[5], Path: path}
	if wf.A*wf.E-wf.B*wf.D == 0 {
		return worldFile{}, fmt.Errorf("world file %s: singular transform (A*E - B*D = 0)", path)
	}
	return wf, nil
}

// pixelToMap maps continuous pixel coordinates ((0,0) = top-left corner of the first
// pixel) to map coordinates. The world file refers to pixel centres, hence the half
// pixel.
func (w worldFile) pixelToMap(x, y float64) (mx, my float64) {
	c, r := x-0.5, y-0.5
	return w.A*c + w.B*r + w.C, w.D*c + w.E*r + w.F
}

// geoResult is where the predicted object is on the map.
type geoResult struct {
	Source     string  `json:"source"`     // "filename" or the world file's path
	Convention string  `json:"convention"` // how the georeference was interpreted
	EPSG       int     `json:"epsg,omitempty"`
	X          float64 `json:"x"` // easting (or map x) of the box centre
	Y          float64 `json:"y"` // northing (or map y)
	// Lat/Lon are WGS84 degrees; nil when the map CRS is unknown.
	Lat *float64 `json:"lat,omitempty"`
	Lon *float64 `json:"lon,omitempty"`
	// WidthM/HeightM: the box's ground size in map units (metres for UTM).
	WidthM  float64 `json:"width_m,omitempty"`
	HeightM float64 `json:"height_m,omitempty"`
}

// originNote is the explanation printed with coordinates read from a CVOGL name.
//
// Why the centre: the CVOGL/DetGeo and HALO papers and code do not say where in the
// tile the name's easting/northing lies (searched: the DetGeo repository publishes no
// data code, HALO's loader never parses the names). The data points to the centre: a CVOGL
// drone query is named ID_E_N, presumably its own UTM position, and in the record 131425 (query
// 131425_539733_4880095.jpg, satellite 539827_4880079_300_32615.jpg, object box centre
// at pixel (426, 492) of 1024) the query position is 94 m west and 16 m north of the
// name's E,N. With E,N at the centre, the object lies 69 m from where the query was
// taken; with E,N at the top-left corner the query would be 94 m outside the tile's
// west edge and 271 m from its object. One record is evidence, not proof, hence
// "assumed" in the output and --tile-origin. The synthetic generator (loader/synth.go)
// uses the centre too.
const originNote = "E,N of the file name taken as the tile CENTRE (assumed: the CVOGL/DetGeo papers and code do not " +
	"state it; in the CVOGL record checked, the query's own E,N (from its file name) lies 95 m from the tile's E,N, " +
	"inside the 300 m tile only if E,N is its centre); --tile-origin top-left reads E,N as the north-west corner"

// locate georeferences the point (x, y) (pixels of the w x h original satellite image)
// and the box size (bw, bh pixels). A world file beside the image wins over the name
// pattern; epsg (0: unknown) names the world file's CRS, defaulting to the name's EPSG
// code when the name has one. ok is false when the image is not georeferenced.
func locate(satPath string, w, h int, x, y, bw, bh float64, o tileOrigin, epsg int) (g geoResult, ok bool, err error) {
	tile, named := parseCVOGLName(satPath)
	wf, hasWF, err := findWorldFile(satPath)
	if err != nil {
		return g, false, err
	}
	switch {
	case hasWF:
		g.Source = wf.Path
		g.X, g.Y = wf.pixelToMap(x, y)
		g.WidthM = bw * math.Hypot(wf.A, wf.D)
		g.HeightM = bh * math.Hypot(wf.B, wf.E)
		g.Convention = "world file (A, D, B, E, C, F; C,F the centre of the top-left pixel)"
		if epsg == 0 && named {
			epsg = tile.EPSG
		}
	case named:
		g.Source = "filename"
		g.X, g.Y = tile.pixelToMap(x, y, w, h, o)
		g.WidthM = bw * tile.Size / float64(w)
		g.HeightM = bh * tile.Size / float64(h)
		if epsg == 0 {
			epsg = tile.EPSG
		}
		if o == originCenter {
			g.Convention = "CVOGL name E_N_SIZE_EPSG; " + originNote
		} else {
			g.Convention = "CVOGL name E_N_SIZE_EPSG; E,N in the file name taken as the tile's TOP-LEFT (north-west) corner (--tile-origin top-left)"
		}
	default:
		return g, false, nil
	}
	g.EPSG = epsg
	if zone, north, utm := utmFromEPSG(epsg); utm {
		lat, lon := utmToLatLon(g.X, g.Y, zone, north)
		g.Lat, g.Lon = &lat, &lon
	} else if epsg == 4326 {
		// EPSG:4326 world files hold longitude (x) and latitude (y) in degrees.
		lat, lon := g.Y, g.X
		g.Lat, g.Lon = &lat, &lon
		g.WidthM, g.HeightM = 0, 0
	}
	return g, true, nil
}
