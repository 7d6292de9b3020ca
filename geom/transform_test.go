package geom

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestRigidProperties(t *testing.T) {
	t.Parallel()
	rng := newRand(10)
	for range 200 {
		a, b, c := randRigid(rng), randRigid(rng), randRigid(rng)
		p := randVec(rng, 10)
		assertVec(t, "inverse", a.Inverse().Apply(a.Apply(p)), p, 1e-12)
		assertVec(t, "compose", a.Compose(b).Apply(p), a.Apply(b.Apply(p)), 1e-12)
		ab_c := a.Compose(b).Compose(c)
		a_bc := a.Compose(b.Compose(c))
		assertVec(t, "associative", ab_c.Apply(p), a_bc.Apply(p), 1e-11)
		if !a.Compose(b).R.IsRotation(1e-12) {
			t.Fatal("composition is not a rotation")
		}
		// RelativeTo is the reference's R_r⁻¹(R_i p + t_i − t_r).
		want := r3.Sub(a.Apply(p), b.T)
		rinv, _ := b.R.Inverse()
		assertVec(t, "RelativeTo", a.RelativeTo(b).Apply(p), rinv.MulVec(want), 1e-11)
		m16, m12 := a.Matrix(), a.Matrix34()
		g, err := RigidFromMatrix(m16[:])
		if err != nil || g != a {
			t.Fatalf("Matrix round trip: %v %v", g, err)
		}
		g, _ = RigidFromMatrix(m12[:])
		if g != a {
			t.Fatal("Matrix34 round trip")
		}
	}
}

func TestSimProperties(t *testing.T) {
	t.Parallel()
	rng := newRand(11)
	for range 200 {
		s := Sim{S: 0.1 + 3*rng.Float64(), R: randRot(rng), T: randVec(rng, 5)}
		u := Sim{S: 0.1 + 3*rng.Float64(), R: randRot(rng), T: randVec(rng, 5)}
		p := randVec(rng, 10)
		assertVec(t, "inverse", s.Inverse().Apply(s.Apply(p)), p, 1e-10)
		assertVec(t, "compose", s.Compose(u).Apply(p), s.Apply(u.Apply(p)), 1e-10)
		g := randRigid(rng)
		sg := s.ApplyPose(g)
		// A camera-frame point seen through the mapped pose lands where the similarity maps
		// the original world point, up to the camera's own scale.
		assertVec(t, "ApplyPose centre", sg.T, s.Apply(g.T), 1e-12)
		if !sg.R.IsRotation(1e-12) {
			t.Fatal("ApplyPose rotation")
		}
	}
}

func TestCheckPose(t *testing.T) {
	t.Parallel()
	id := IdentityRigid().Matrix()
	tests := []struct {
		name string
		edit func(m []float64)
		want string
	}{
		{"valid", func([]float64) {}, ""},
		{"nan", func(m []float64) { m[5] = math.NaN() }, "entry [1,1] is NaN"},
		{"inf", func(m []float64) { m[3] = math.Inf(1) }, "entry [0,3] is +Inf"},
		{"bottom", func(m []float64) { m[14] = 1 }, "bottom row"},
		{"scaled", func(m []float64) { m[0], m[5], m[10] = 2, 2, 2 }, "not orthonormal"},
		{"reflection", func(m []float64) { m[10] = -1 }, "determinant -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := id
			tt.edit(m[:])
			err := CheckPose(m[:], 1e-3)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := RigidFromMatrix(make([]float64, 9)); err == nil {
		t.Error("9 values accepted")
	}
}
