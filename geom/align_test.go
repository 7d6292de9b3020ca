package geom

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestUmeyamaRecoversSimilarity(t *testing.T) {
	t.Parallel()
	rng := newRand(30)
	for _, withScale := range []bool{false, true} {
		for range 50 {
			want := Sim{S: 1, R: randRot(rng), T: randVec(rng, 5)}
			if withScale {
				want.S = 0.2 + 4*rng.Float64()
			}
			n := 3 + rng.IntN(30)
			src := make([]r3.Vec, n)
			dst := make([]r3.Vec, n)
			for i := range src {
				src[i] = randVec(rng, 3)
				dst[i] = want.Apply(src[i])
			}
			got, err := Umeyama(src, dst, withScale)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.S-want.S) > 1e-9 || !matNear(got.R, want.R, 1e-9) || !vecNear(got.T, want.T, 1e-9) {
				t.Fatalf("Umeyama = %+v, want %+v", got, want)
			}
		}
	}
}

func TestUmeyamaErrors(t *testing.T) {
	t.Parallel()
	p := []r3.Vec{{X: 1}, {Y: 1}, {Z: 1}}
	same := []r3.Vec{{X: 1}, {X: 1}, {X: 1}}
	nan := []r3.Vec{{X: math.NaN()}, {Y: 1}, {Z: 1}}
	for _, tc := range []struct {
		src, dst []r3.Vec
		want     string
	}{
		{p[:2], p[:2], "at least 3"},
		{p, p[:2], "3 source points, 2 target"},
		{same, p, "coincide"},
		{nan, p, "not finite"},
	} {
		if _, err := Umeyama(tc.src, tc.dst, true); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

func TestATEAndRPE(t *testing.T) {
	t.Parallel()
	rng := newRand(31)
	gt := make([]Rigid, 20)
	for i := range gt {
		gt[i] = randRigid(rng)
	}
	s := Sim{S: 2.5, R: randRot(rng), T: randVec(rng, 3)}
	est := make([]Rigid, len(gt))
	for i := range gt {
		est[i] = s.Inverse().ApplyPose(gt[i])
	}
	st, got, err := ATE(est, gt, AlignSim)
	if err != nil || st.RMSE > 1e-9 || math.Abs(got.S-s.S) > 1e-9 {
		t.Fatalf("ATE sim: %+v %+v %v", st, got, err)
	}
	st, _, _ = ATE(est, gt, AlignNone)
	if st.RMSE < 0.1 {
		t.Fatalf("ATE without alignment is %v", st.RMSE)
	}
	// RPE is invariant to a global rigid transform.
	rg := Rigid{R: randRot(rng), T: randVec(rng, 3)}
	moved := make([]Rigid, len(gt))
	for i := range gt {
		moved[i] = rg.Compose(gt[i])
	}
	tr, rot, err := RPE(moved, gt, 1)
	if err != nil || tr.Max > 1e-9 || rot.Max > 1e-6 || tr.N != len(gt)-1 {
		t.Fatalf("RPE of a rigidly moved trajectory: %+v %+v %v", tr, rot, err)
	}
	// A known perturbation of one relative step.
	pert := make([]Rigid, len(gt))
	copy(pert, gt)
	for i := len(gt) - 1; i < len(gt); i++ {
		pert[i] = gt[i].Compose(Rigid{R: Identity3(), T: r3.Vec{X: 0.5}})
	}
	tr, _, _ = RPE(pert, gt, 1)
	if math.Abs(tr.Max-0.5) > 1e-9 {
		t.Fatalf("RPE max %v, want 0.5", tr.Max)
	}
	if _, _, err := RPE(gt, gt, 0); err == nil {
		t.Error("delta 0 accepted")
	}
	if _, _, err := ATE(gt[:2], gt[:3], AlignRigid); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestInterpolateTrajectory(t *testing.T) {
	t.Parallel()
	a := IdentityRigid()
	b := Rigid{R: AxisAngle(r3.Vec{Z: 1}, math.Pi/2), T: r3.Vec{X: 2}}
	got, err := InterpolateTrajectory([]float64{0, 1}, []Rigid{a, b}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	assertMat(t, "R", got.R, AxisAngle(r3.Vec{Z: 1}, math.Pi/4), 1e-12)
	assertVec(t, "T", got.T, r3.Vec{X: 1}, 1e-12)
	if g, _ := InterpolateTrajectory([]float64{0, 1}, []Rigid{a, b}, 7); g != b {
		t.Error("no clamp after the end")
	}
	if _, err := InterpolateTrajectory([]float64{0, 0}, []Rigid{a, b}, 0.5); err == nil {
		t.Error("non-increasing times accepted")
	}
	if l := PathLength([]Rigid{a, b, a}); l != 4 {
		t.Errorf("PathLength = %v", l)
	}
}

func TestTUMKITTIRoundTrip(t *testing.T) {
	t.Parallel()
	rng := newRand(32)
	var traj []Stamped
	var poses []Rigid
	for i := range 10 {
		g := randRigid(rng)
		traj = append(traj, Stamped{Time: float64(i) * 0.1, Pose: g})
		poses = append(poses, g)
	}
	var buf bytes.Buffer
	if err := WriteTUM(&buf, traj); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTUM(&buf)
	if err != nil || len(back) != len(traj) {
		t.Fatalf("ReadTUM: %d poses, %v", len(back), err)
	}
	for i := range back {
		if back[i].Time != traj[i].Time || back[i].Pose.T != traj[i].Pose.T {
			t.Fatalf("pose %d: %+v, want %+v", i, back[i], traj[i])
		}
		assertMat(t, "TUM R", back[i].Pose.R, traj[i].Pose.R, 1e-14)
	}
	buf.Reset()
	if err := WriteKITTI(&buf, poses); err != nil {
		t.Fatal(err)
	}
	kp, err := ReadKITTI(&buf)
	if err != nil || len(kp) != len(poses) {
		t.Fatalf("ReadKITTI: %v", err)
	}
	for i := range kp {
		if kp[i] != poses[i] {
			t.Fatalf("KITTI pose %d not exact", i)
		}
	}
	for _, tc := range []struct {
		in, want string
		kitti    bool
	}{
		{"0 1 2 3 0 0 0 1\n0 1 2\n", "line 2: 3 fields, want 8", false},
		{"0 1 2 3 0 0 0 2\n", "line 1: quaternion norm 2", false},
		{"# c\n0 1 2 x 0 0 0 1\n", `line 2: field 4 "x"`, false},
		{"1 0 0 0 0 1 0 0 0 0 1 NaN\n", "line 1: field 12", true},
		{"2 0 0 0 0 1 0 0 0 0 1 0\n", "line 1: rotation block is not orthonormal", true},
	} {
		var err error
		if tc.kitti {
			_, err = ReadKITTI(strings.NewReader(tc.in))
		} else {
			_, err = ReadTUM(strings.NewReader(tc.in))
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}
