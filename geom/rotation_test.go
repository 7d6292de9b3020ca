package geom

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

type golden struct {
	Elementary []struct {
		Angle      float64
		Rx, Ry, Rz Mat3
	}
	Agent []struct {
		Azimuth, Polar, Rotation float64
		Centre                   [3]float64
		Points                   [][3]float64
		ToAgent                  [][3]float64 `json:"to_agent"`
		FromAgent                [][3]float64 `json:"from_agent"`
		Facing                   [3]float64
	}
	Mutual []struct {
		PoseI  [4][4]float64 `json:"pose_i"`
		PoseR  [4][4]float64 `json:"pose_r"`
		Points [][3]float64
		Moved  [][3]float64
	}
	Self struct {
		Points [][3]float64
		Viewer [][3]float64
	}
}

func v3(a [3]float64) r3.Vec { return r3.Vec{X: a[0], Y: a[1], Z: a[2]} }

func rigid44(m [4][4]float64) Rigid {
	g, _ := RigidFromMatrix([]float64{
		m[0][0], m[0][1], m[0][2], m[0][3], m[1][0], m[1][1], m[1][2], m[1][3],
		m[2][0], m[2][1], m[2][2], m[2][3], m[3][0], m[3][1], m[3][2], m[3][3]})
	return g
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/reference_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Elementary) == 0 || len(g.Agent) == 0 || len(g.Mutual) == 0 || len(g.Self.Points) == 0 {
		t.Fatal("reference_golden.json is incomplete")
	}
	return g
}

// TestReferenceGolden compares against numbers produced by the DSR Suite reference
// functions (testdata/gen_golden.py).
func TestReferenceGolden(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for _, e := range g.Elementary {
		assertMat(t, "Rx", Rx(e.Angle), e.Rx, 1e-15)
		assertMat(t, "Ry", Ry(e.Angle), e.Ry, 1e-15)
		assertMat(t, "Rz", Rz(e.Angle), e.Rz, 1e-15)
	}
	for i, a := range g.Agent {
		f := NewAgentFrame(a.Azimuth, a.Polar, a.Rotation, v3(a.Centre))
		for j, p := range a.Points {
			assertVec(t, "ToAgent", f.ToAgent(v3(p)), v3(a.ToAgent[j]), 1e-12)
			assertVec(t, "FromAgent", f.FromAgent(v3(p)), v3(a.FromAgent[j]), 1e-12)
		}
		assertVec(t, "Facing", f.Facing(), v3(a.Facing), 1e-12)
		assertVec(t, "Facing(angles)", Facing(a.Azimuth, a.Polar, a.Rotation), v3(a.Facing), 1e-12)
		if t.Failed() {
			t.Fatalf("agent case %d: az %v po %v ro %v", i, a.Azimuth, a.Polar, a.Rotation)
		}
	}
	for _, m := range g.Mutual {
		rel := rigid44(m.PoseI).RelativeTo(rigid44(m.PoseR))
		for j, p := range m.Points {
			assertVec(t, "RelativeTo", rel.Apply(v3(p)), v3(m.Moved[j]), 1e-12)
		}
	}
	for j, p := range g.Self.Points {
		assertVec(t, "CameraViewer", CameraViewer(v3(p)), v3(g.Self.Viewer[j]), 0)
	}
}

func TestElementaryRotationsAreRotations(t *testing.T) {
	t.Parallel()
	rng := newRand(1)
	for range 200 {
		a := 720*rng.Float64() - 360
		for _, m := range []Mat3{Rx(a), Ry(a), Rz(a), AgentRotation(360*rng.Float64(), 180*rng.Float64()-90, 180*rng.Float64()-90)} {
			if !m.IsRotation(1e-12) {
				t.Fatalf("angle %v: not a rotation: %v", a, m)
			}
		}
	}
}

func TestReferenceRotationsAreTransposedActive(t *testing.T) {
	t.Parallel()
	for _, a := range []float64{0, 10, 90, 123.4, -77} {
		rad := a * math.Pi / 180
		assertMat(t, "Rx", Rx(a), AxisAngle(r3.Vec{X: 1}, rad).T(), 1e-14)
		assertMat(t, "Ry", Ry(a), AxisAngle(r3.Vec{Y: 1}, rad).T(), 1e-14)
		assertMat(t, "Rz", Rz(a), AxisAngle(r3.Vec{Z: 1}, rad).T(), 1e-14)
	}
}

func TestExactQuarterTurns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    float64
		s, c float64
	}{{0, 0, 1}, {90, 1, 0}, {180, 0, -1}, {270, -1, 0}, {360, 0, 1}, {-90, -1, 0}, {-270, 1, 0}, {450, 1, 0}}
	for _, tt := range tests {
		s, c := sincosDeg(tt.a)
		if s != tt.s || c != tt.c {
			t.Errorf("sincosDeg(%v) = %v, %v; want %v, %v", tt.a, s, c, tt.s, tt.c)
		}
	}
}

func TestCameraViewerAxes(t *testing.T) {
	t.Parallel()
	// Camera forward (+z) is viewer forward (+x); camera right (+x) is viewer −y (right);
	// camera down (+y) is viewer −z (down).
	assertVec(t, "forward", CameraViewer(r3.Vec{Z: 1}), r3.Vec{X: 1}, 0)
	assertVec(t, "right", CameraViewer(r3.Vec{X: 1}), r3.Vec{Y: -1}, 0)
	assertVec(t, "down", CameraViewer(r3.Vec{Y: 1}), r3.Vec{Z: -1}, 0)
	rng := newRand(2)
	for range 50 {
		p := randVec(rng, 10)
		assertVec(t, "inverse", CameraViewerInverse(CameraViewer(p)), p, 0)
		assertVec(t, "matrix", CameraViewerMat.MulVec(p), CameraViewer(p), 0)
	}
	if !CameraViewerMat.IsRotation(0) {
		t.Error("CameraViewerMat is not a rotation")
	}
}

func TestAgentFrameRoundTrip(t *testing.T) {
	t.Parallel()
	rng := newRand(3)
	for range 200 {
		f := NewAgentFrame(360*rng.Float64(), 180*rng.Float64()-90, 180*rng.Float64()-90, randVec(rng, 4))
		p := randVec(rng, 10)
		assertVec(t, "FromAgent(ToAgent(p))", f.FromAgent(f.ToAgent(p)), p, 1e-12)
		assertVec(t, "ToAgent(facing+C)", f.ToAgent(r3.Add(f.C, f.Facing())), r3.Vec{X: 1}, 1e-12)
		if n := r3.Norm(f.Facing()); math.Abs(n-1) > 1e-14 {
			t.Fatalf("|facing| = %v", n)
		}
	}
	// With all angles zero the agent faces the camera: facing is −z in camera axes
	// (Orient Anything's azimuth 0 is "looking at the viewer").
	assertVec(t, "facing(0,0,0)", Facing(0, 0, 0), r3.Vec{Z: -1}, 1e-15)
}

func TestAxisAngleRoundTrip(t *testing.T) {
	t.Parallel()
	rng := newRand(4)
	for range 300 {
		axis := r3.Unit(randVec(rng, 1))
		angle := math.Pi * rng.Float64()
		m := AxisAngle(axis, angle)
		if !m.IsRotation(1e-12) {
			t.Fatalf("AxisAngle not a rotation")
		}
		gotAxis, gotAngle := ToAxisAngle(m)
		if math.Abs(gotAngle-angle) > 1e-9 {
			t.Fatalf("angle %v, want %v", gotAngle, angle)
		}
		if angle > 1e-6 && angle < math.Pi-1e-6 {
			assertVec(t, "axis", gotAxis, axis, 1e-9)
		}
		assertMat(t, "FromRotationVector", FromRotationVector(RotationVector(m)), m, 1e-9)
	}
	// Right-hand rule: a quarter turn about z sends x to y.
	assertVec(t, "Rz90·x", AxisAngle(r3.Vec{Z: 1}, math.Pi/2).MulVec(r3.Vec{X: 1}), r3.Vec{Y: 1}, 1e-15)
}

func TestQuaternionRoundTrip(t *testing.T) {
	t.Parallel()
	rng := newRand(5)
	for range 500 {
		q := randQuat(rng)
		m := MatFromQuat(q)
		if !m.IsRotation(1e-12) {
			t.Fatalf("MatFromQuat(%v) not a rotation", q)
		}
		got := QuatFromMat(m)
		if d := quat.Abs(quat.Sub(got, q)); d > 1e-12 {
			t.Fatalf("QuatFromMat(MatFromQuat(%v)) = %v", q, got)
		}
	}
	// Every Shepperd branch: rotations by π about each axis and near-identity.
	for _, m := range []Mat3{Identity3(), AxisAngle(r3.Vec{X: 1}, math.Pi), AxisAngle(r3.Vec{Y: 1}, math.Pi), AxisAngle(r3.Vec{Z: 1}, math.Pi)} {
		assertMat(t, "branch", MatFromQuat(QuatFromMat(m)), m, 1e-15)
	}
	q := quat.Number{Real: 0.1, Imag: 0.2, Jmag: 0.3, Kmag: 0.4}
	if QuatFromXYZW(QuatToXYZW(q)) != q || QuatFromWXYZ(QuatToWXYZ(q)) != q {
		t.Error("component order helpers do not round trip")
	}
	if QuatToXYZW(q) != [4]float64{0.2, 0.3, 0.4, 0.1} || QuatToWXYZ(q) != [4]float64{0.1, 0.2, 0.3, 0.4} {
		t.Error("component order helpers use the wrong order")
	}
}

func TestSlerp(t *testing.T) {
	t.Parallel()
	rng := newRand(6)
	for range 200 {
		a, b := randQuat(rng), randQuat(rng)
		if d := quat.Abs(quat.Sub(Slerp(a, b, 0), a)); d > 1e-12 {
			t.Fatalf("Slerp t=0 off by %v", d)
		}
		mb := MatFromQuat(b)
		assertMat(t, "Slerp t=1", MatFromQuat(Slerp(a, b, 1)), mb, 1e-12)
		// Constant angular speed: the midpoint is half the angle from both ends.
		ma := MatFromQuat(a)
		mid := MatFromQuat(Slerp(a, b, 0.5))
		total := RotationAngle(ma.T().Mul(mb))
		if d1, d2 := RotationAngle(ma.T().Mul(mid)), RotationAngle(mid.T().Mul(mb)); math.Abs(d1-total/2) > 1e-9 || math.Abs(d2-total/2) > 1e-9 {
			t.Fatalf("midpoint angles %v, %v; want %v", d1, d2, total/2)
		}
	}
}

func TestNearestRotation(t *testing.T) {
	t.Parallel()
	rng := newRand(7)
	for range 50 {
		r := randRot(rng)
		noisy := r
		for i := range 3 {
			for j := range 3 {
				noisy[i][j] += 1e-4 * rng.NormFloat64()
			}
		}
		got, ok := NearestRotation(noisy)
		if !ok || !got.IsRotation(1e-12) {
			t.Fatal("NearestRotation did not give a rotation")
		}
		assertMat(t, "NearestRotation", got, r, 1e-3)
	}
	if _, ok := NearestRotation(Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, -1}}); !ok {
		t.Error("reflection: SVD failed")
	} else if r, _ := NearestRotation(Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, -1}}); r.Det() < 0 {
		t.Error("NearestRotation of a reflection has det < 0")
	}
}

func TestMat3Inverse(t *testing.T) {
	t.Parallel()
	rng := newRand(8)
	for range 100 {
		var m Mat3
		for i := range 3 {
			for j := range 3 {
				m[i][j] = rng.NormFloat64()
			}
		}
		inv, ok := m.Inverse()
		if !ok {
			continue
		}
		assertMat(t, "m·m⁻¹", m.Mul(inv), Identity3(), 1e-8)
	}
	if _, ok := (Mat3{}).Inverse(); ok {
		t.Error("zero matrix inverted")
	}
}
