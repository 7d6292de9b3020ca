package robust

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse reads an estimator variant: "robust" (Default) or "robust:" followed by
// comma-separated key=value changes to Default — erode (pixels), trim (MADs, 0 off), centre
// (mean, median, solid), window (frames, 0 off), degree, occlusion (on/off), orient (frames,
// 0 off), upright (on/off), register (on/off), shape (on/off), still, model, level (on/off), camera (frames, 0 off), yaw (on/off), path (on/off) — e.g. "robust:window=0,centre=mean" for an ablation row.
func Parse(s string) (Options, error) {
	name, rest, _ := strings.Cut(s, ":")
	if name != "robust" {
		return Options{}, fmt.Errorf("robust: estimator %q, want robust or robust:key=value,...", s)
	}
	o := Default
	if rest == "" {
		return o, nil
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return o, fmt.Errorf("robust: %q: want key=value", kv)
		}
		var err error
		atoi := func() int {
			var n int
			if n, err = strconv.Atoi(v); err == nil && n < 0 {
				err = fmt.Errorf("negative")
			}
			return n
		}
		onoff := func() bool {
			switch v {
			case "on", "true", "1":
				return true
			case "off", "false", "0":
				return false
			}
			err = fmt.Errorf("want on or off")
			return false
		}
		switch k {
		case "erode":
			o.Erode = atoi()
		case "trim":
			o.Trim, err = strconv.ParseFloat(v, 64)
		case "centre":
			if v != Mean && v != Median && v != Solid {
				err = fmt.Errorf("want mean, median or solid")
			}
			o.Centre = v
		case "window":
			o.Window = atoi()
		case "degree":
			if o.Degree = atoi(); err == nil && o.Degree > 2 {
				err = fmt.Errorf("want 0, 1 or 2")
			}
		case "occlusion":
			o.Occlusion = onoff()
		case "orient":
			o.OrientWindow = atoi()
		case "upright":
			o.Upright = onoff()
		case "register":
			o.Register = onoff()
		case "shape":
			o.Shape = onoff()
		case "still":
			o.Still = onoff()
		case "camera":
			o.Camera = atoi()
		case "level":
			o.Level = onoff()
		case "model":
			o.Model = onoff()
		case "yaw":
			o.Yaw = onoff()
		case "path":
			o.Path = onoff()

		default:
			return o, fmt.Errorf("robust: unknown key %q (have erode, trim, centre, window, degree, occlusion, orient, upright, register, shape, still, model, level, camera, yaw, path)", k)
		}
		if err != nil {
			return o, fmt.Errorf("robust: %s=%q: %v", k, v, err)
		}
	}
	return o, nil
}
