package synth

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Noise makes a scene look like vision-model output. Every source is seeded by Config.Seed
// (its own stream, so changing the noise never changes the layout); the zero value is
// noise-free, and gt.json always holds the noise-free truth.
type Noise struct {
	Depth   float64 `json:"depth"`   // std of the multiplicative point-map depth error (smooth per frame, see depthField)
	Jitter  float64 `json:"jitter"`  // std of each stored pose's translation error (m), per frame
	Rot     float64 `json:"rot"`     // std of each stored pose's rotation error (degrees per axis), per frame
	Drift   float64 `json:"drift"`   // std of the per-frame step of a random walk added to stored positions (m)
	Mask    int     `json:"mask"`    // masks eroded or dilated by 0..Mask pixels, drawn per object and frame
	Orient  float64 `json:"orient"`  // std of each agent angle (degrees); confidence then uniform in [0.5, 1)
	Occlude float64 `json:"occlude"` // per object and frame, probability that a 1–3 frame occlusion starts
}

// NoiseLevels are the named noise settings ParseNoise accepts.
var NoiseLevels = map[string]Noise{
	"none":  {},
	"light": {Depth: 0.005, Jitter: 0.005, Rot: 0.2, Drift: 0.002, Mask: 1, Orient: 3, Occlude: 0.01},
	"heavy": {Depth: 0.02, Jitter: 0.02, Rot: 1, Drift: 0.01, Mask: 2, Orient: 10, Occlude: 0.04},
}

// ParseNoise reads a comma-separated list of named levels (none, light, heavy) and key=value
// settings (depth, jitter, rot, drift, mask, orient, occlude), applied left to right:
// "light,orient=0" is the light level without orientation noise.
func ParseNoise(s string) (Noise, error) {
	var n Noise
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			l, ok := NoiseLevels[part]
			if !ok {
				return n, fmt.Errorf("noise: unknown level %q (have none, light, heavy, or key=value)", part)
			}
			n = l
			continue
		}
		if k == "mask" {
			m, err := strconv.Atoi(v)
			if err != nil {
				return n, fmt.Errorf("noise: mask=%q: want an integer number of pixels", v)
			}
			n.Mask = m
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return n, fmt.Errorf("noise: %s=%q: want a number", k, v)
		}
		switch k {
		case "depth":
			n.Depth = f
		case "jitter":
			n.Jitter = f
		case "rot":
			n.Rot = f
		case "drift":
			n.Drift = f
		case "orient":
			n.Orient = f
		case "occlude":
			n.Occlude = f
		default:
			return n, fmt.Errorf("noise: unknown key %q (have depth, jitter, rot, drift, mask, orient, occlude)", k)
		}
	}
	return n, n.Validate()
}

// Validate reports a setting out of range.
func (n Noise) Validate() error {
	for _, f := range []struct {
		name   string
		v, max float64
	}{{"depth", n.Depth, 0.5}, {"jitter", n.Jitter, 1}, {"rot", n.Rot, 10}, {"drift", n.Drift, 1},
		{"mask", float64(n.Mask), 16}, {"orient", n.Orient, 90}, {"occlude", n.Occlude, 1}} {
		if !(f.v >= 0 && f.v <= f.max) || math.IsNaN(f.v) {
			return fmt.Errorf("noise: %s=%v, want 0..%v", f.name, f.v, f.max)
		}
	}
	return nil
}

// String writes n in ParseNoise's key=value form ("none" for no noise).
func (n Noise) String() string {
	if n == (Noise{}) {
		return "none"
	}
	g := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	return fmt.Sprintf("depth=%s,jitter=%s,rot=%s,drift=%s,mask=%d,orient=%s,occlude=%s",
		g(n.Depth), g(n.Jitter), g(n.Rot), g(n.Drift), n.Mask, g(n.Orient), g(n.Occlude))
}

// morph erodes (r < 0) or dilates (r > 0) a w×h mask by |r| pixels: each step takes the
// minimum (erosion) or maximum (dilation) over the 3×3 window clipped at the image border.
// Only the mask's bounding box grown by |r| is visited.
func morph(m []bool, w, h, r int) []bool {
	grow := r > 0
	steps := max(r, -r)
	x0, y0, x1, y1 := w, h, -1, -1
	for y := range h {
		for x := range w {
			if m[y*w+x] {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return m
	}
	x0, y0, x1, y1 = max(0, x0-steps), max(0, y0-steps), min(w-1, x1+steps), min(h-1, y1+steps)
	cur := m
	for range steps {
		next := make([]bool, len(cur))
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				v := !grow
				for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
					for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
						if cur[yy*w+xx] == grow {
							v = grow
						}
					}
				}
				next[y*w+x] = v
			}
		}
		cur = next
	}
	return cur
}
