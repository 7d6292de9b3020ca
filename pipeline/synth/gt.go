package synth

import (
	"encoding/json"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

func vec3(v r3.Vec) [3]float64 { return [3]float64{v.X, v.Y, v.Z} }

func newGT(w *World, renderer string) *scene.GT {
	cfg := w.Config
	raw := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // numbers and strings only
		}
		return b
	}
	return &scene.GT{
		Format: scene.GTFormat, VideoID: cfg.ID(), Seed: cfg.Seed, Preset: cfg.Preset, Noise: raw(cfg.Noise),
		Renderer: renderer,
		World:    "metres and seconds; world z up, ground plane z = 0; poses map OpenCV camera axes (x right, y down, z forward) to the world",
		Intrinsics: scene.GTIntrinsics{
			Image:  scene.GTCamera{W: cfg.Size[0], H: cfg.Size[1], Fx: w.K.Fx, Fy: w.K.Fy, Cx: w.K.Cx, Cy: w.K.Cy},
			Points: scene.GTCamera{W: cfg.PointsSize[0], H: cfg.PointsSize[1], Fx: w.KPoints.Fx, Fy: w.KPoints.Fy, Cx: w.KPoints.Cx, Cy: w.KPoints.Cy},
		},
		Camera:  raw(w.Camera),
		Objects: raw(w.Objects),
	}
}

// gtObject is object k's truth in snap.
func gtObject(o ObjectSpec, snap Snapshot, k, pixels int, occluded bool) scene.GTObject {
	st := snap.Objects[k]
	inv := snap.Pose.Inverse()
	g := scene.GTObject{ID: o.ID, Centre: vec3(st.Centre), CentreCamera: vec3(inv.Apply(st.Centre)), Pixels: pixels, Occluded: occluded}
	if o.Agent {
		f, u := inv.ApplyVec(st.Facing), inv.ApplyVec(st.Up)
		fw, fc := vec3(st.Facing), vec3(f)
		g.Facing, g.FacingCamera = fw[:], fc[:]
		if az, po, ro, ok := Angles(f, u); ok {
			g.Angles = &scene.GTAngles{Azimuth: az, Polar: po, Rotation: ro}
		}
	}
	return g
}
