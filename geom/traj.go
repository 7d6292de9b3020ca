package geom

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/spatial/r3"
)

// InterpolatePose interpolates between two camera poses: the rotation by [Slerp], the
// translation linearly. t = 0 gives a, t = 1 gives b.
func InterpolatePose(a, b Rigid, t float64) Rigid {
	q := Slerp(QuatFromMat(a.R), QuatFromMat(b.R), t)
	return Rigid{
		R: MatFromQuat(q),
		T: r3.Add(r3.Scale(1-t, a.T), r3.Scale(t, b.T)),
	}
}

// InterpolateTrajectory returns the pose at time t of a trajectory sampled at the strictly
// increasing times, interpolating between the two neighbouring samples with
// [InterpolatePose]. Times outside the samples clamp to the first or last pose. It returns an
// error for an empty trajectory, mismatched lengths or times that do not increase.
func InterpolateTrajectory(times []float64, poses []Rigid, t float64) (Rigid, error) {
	if len(times) != len(poses) {
		return Rigid{}, fmt.Errorf("geom: %d times for %d poses", len(times), len(poses))
	}
	if len(times) == 0 {
		return Rigid{}, fmt.Errorf("geom: empty trajectory")
	}
	for i := 1; i < len(times); i++ {
		if !(times[i] > times[i-1]) {
			return Rigid{}, fmt.Errorf("geom: trajectory times not increasing at %d (%v after %v)", i, times[i], times[i-1])
		}
	}
	if t <= times[0] {
		return poses[0], nil
	}
	if t >= times[len(times)-1] {
		return poses[len(poses)-1], nil
	}
	i, _ := slices.BinarySearch(times, t) // times[i-1] < t <= times[i]
	f := (t - times[i-1]) / (times[i] - times[i-1])
	return InterpolatePose(poses[i-1], poses[i], f), nil
}

// PathLength returns the summed distance between consecutive camera centres.
func PathLength(poses []Rigid) float64 {
	var l float64
	for i := 1; i < len(poses); i++ {
		l += r3.Norm(r3.Sub(poses[i].T, poses[i-1].T))
	}
	return l
}

// Alignment selects how an estimated trajectory is aligned to ground truth before ATE.
type Alignment int

const (
	AlignNone  Alignment = iota // compare as given
	AlignRigid                  // best rotation and translation (Kabsch/Umeyama, scale 1)
	AlignSim                    // best similarity (Umeyama with scale), for scale-free estimates
)

// ErrorStats summarises per-pose errors.
type ErrorStats struct {
	RMSE, Mean, Median, Max float64
	N                       int // number of errors summarised
}

func stats(e []float64) ErrorStats {
	s := ErrorStats{N: len(e)}
	if len(e) == 0 {
		return s
	}
	var sum, sum2 float64
	for _, v := range e {
		sum += v
		sum2 += v * v
		s.Max = math.Max(s.Max, v)
	}
	s.Mean = sum / float64(len(e))
	s.RMSE = math.Sqrt(sum2 / float64(len(e)))
	c := slices.Clone(e)
	slices.Sort(c)
	if len(c)%2 == 1 {
		s.Median = c[len(c)/2]
	} else {
		s.Median = (c[len(c)/2-1] + c[len(c)/2]) / 2
	}
	return s
}

// ATE returns the absolute trajectory error: statistics of |gt_i.T − s(est_i.T)| over the
// camera centres after aligning est to gt with the chosen alignment, and the alignment s
// used (identity for [AlignNone]). Rigid and similarity alignment need at least 3 poses.
func ATE(est, gt []Rigid, a Alignment) (ErrorStats, Sim, error) {
	if len(est) != len(gt) {
		return ErrorStats{}, Sim{}, fmt.Errorf("geom: ATE: %d estimated poses, %d ground-truth poses", len(est), len(gt))
	}
	if len(est) == 0 {
		return ErrorStats{}, Sim{}, fmt.Errorf("geom: ATE: no poses")
	}
	s := IdentitySim()
	if a != AlignNone {
		src := make([]r3.Vec, len(est))
		dst := make([]r3.Vec, len(gt))
		for i := range est {
			src[i], dst[i] = est[i].T, gt[i].T
		}
		var err error
		if s, err = Umeyama(src, dst, a == AlignSim); err != nil {
			return ErrorStats{}, Sim{}, fmt.Errorf("geom: ATE: %w", err)
		}
	}
	e := make([]float64, len(est))
	for i := range est {
		e[i] = r3.Norm(r3.Sub(gt[i].T, s.Apply(est[i].T)))
	}
	return stats(e), s, nil
}

// RPE returns the relative pose error over steps of delta frames: for each i, the error
// transform E = (gt_i⁻¹·gt_{i+δ})⁻¹ · (est_i⁻¹·est_{i+δ}); Trans summarises |E.T| and Rot
// the rotation angle of E.R in radians. No alignment is applied (RPE is invariant to a
// global rigid transform; scale it first for scale-free estimates).
func RPE(est, gt []Rigid, delta int) (trans, rot ErrorStats, err error) {
	if len(est) != len(gt) {
		return trans, rot, fmt.Errorf("geom: RPE: %d estimated poses, %d ground-truth poses", len(est), len(gt))
	}
	if delta < 1 || delta >= len(est) {
		return trans, rot, fmt.Errorf("geom: RPE: delta %d, want 1..%d", delta, len(est)-1)
	}
	var te, re []float64
	for i := 0; i+delta < len(est); i++ {
		dg := gt[i].Inverse().Compose(gt[i+delta])
		de := est[i].Inverse().Compose(est[i+delta])
		e := dg.Inverse().Compose(de)
		te = append(te, r3.Norm(e.T))
		re = append(re, RotationAngle(e.R))
	}
	return stats(te), stats(re), nil
}
