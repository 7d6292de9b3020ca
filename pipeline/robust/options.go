package robust

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Parse reads an estimator variant: "robust" (Default) or "robust:" followed by
// comma-separated key=value changes to Default — erode (pixels), trim (MADs, 0 off), centre
// (mean, median, solid), window (frames, 0 off), degree, occlusion (on/off), orient (frames,
// 0 off), camera (frames, 0 off), and on/off: upright, register, shape, still, model, level,
// yaw, gravity, path, resolve, box, precise — e.g. "robust:window=0,centre=mean" for an
// ablation row.
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
		if b, ok := o.switches()[k]; ok {
			switch v {
			case "on", "true", "1":
				*b = true
			case "off", "false", "0":
				*b = false
			default:
				err = fmt.Errorf("want on or off")
			}
			if err != nil {
				return o, fmt.Errorf("robust: %s=%q: %v", k, v, err)
			}
			continue
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
		case "orient":
			o.OrientWindow = atoi()
		case "camera":
			o.Camera = atoi()
		default:
			keys := []string{"erode", "trim", "centre", "window", "degree", "orient", "camera"}
			keys = append(keys, Switches()...)
			return o, fmt.Errorf("robust: unknown key %q (have %s)", k, strings.Join(keys, ", "))
		}
		if err != nil {
			return o, fmt.Errorf("robust: %s=%q: %v", k, v, err)
		}
	}
	return o, nil
}

// Switches are Parse's on/off keys, sorted.
func Switches() []string {
	var o Options
	return slices.Sorted(maps.Keys(o.switches()))
}

// switches are the on/off components by their Parse key.
func (o *Options) switches() map[string]*bool {
	return map[string]*bool{
		"occlusion": &o.Occlusion, "upright": &o.Upright, "register": &o.Register, "shape": &o.Shape,
		"still": &o.Still, "model": &o.Model, "level": &o.Level, "yaw": &o.Yaw, "gravity": &o.Gravity, "path": &o.Path,
		"resolve": &o.Resolve, "box": &o.Box, "precise": &o.Precise,
	}
}
