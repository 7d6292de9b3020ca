package robust

import "gonum.org/v1/gonum/spatial/r3"

// minPoseObjects is the fewest objects seen in a frame for its camera position to be
// corrected: with fewer, one object's own error would pass for camera jitter.
const minPoseObjects = 3

// correctPoses estimates each frame's camera position error from the objects' tracks and
// removes it from the poses and the tracks. A stored pose off by δ_i (jitter, the step of a
// drift) puts every object's world measurement off by about −δ_i; the trajectory fit, which
// follows the objects' smooth motion, does not follow it, so the fit's correction at frame i
// — fitted minus measured — is ≈ δ_i for every object seen there. The coordinate-wise median
// over the objects is taken (an object's own outlier is not the camera's), then added to the
// frame's camera position and to every track's measurement there.
func (e *Estimate) correctPoses() {
	fits := make([][]r3.Vec, len(e.meas))
	for k, t := range e.meas {
		fits[k], _ = fit(t, e.opt.Window, e.opt.Degree, 2, 0.005)
	}
	for i := range e.n {
		var xs, ys, zs []float64
		for k, t := range e.meas {
			if t.OK[i] {
				d := r3.Sub(fits[k][i], t.P[i])
				xs, ys, zs = append(xs, d.X), append(ys, d.Y), append(zs, d.Z)
			}
		}
		if len(xs) < minPoseObjects {
			continue
		}
		d := r3.Vec{X: median(xs), Y: median(ys), Z: median(zs)}
		e.poses[i].T = r3.Add(e.poses[i].T, d)
		for k := range e.meas {
			if e.meas[k].OK[i] {
				e.meas[k].P[i] = r3.Add(e.meas[k].P[i], d)
			}
		}
	}
}
