package geom_test

import (
	"fmt"
	"os"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// A point one metre in front of the camera is straight ahead in viewer axes.
func ExampleCameraViewer() {
	fmt.Println(geom.CameraViewer(r3.Vec{X: 0, Y: 0, Z: 1}))
	fmt.Println(geom.CameraViewer(r3.Vec{X: 1, Y: 0, Z: 0})) // camera right is viewer −y
	// Output:
	// {1 -0 -0}
	// {0 -1 -0}
}

// An agent at the origin of camera space with all angles zero faces the camera (−z), so the
// camera, two metres ahead of it, is in front of the agent.
func ExampleAgentFrame() {
	f := geom.NewAgentFrame(0, 0, 0, r3.Vec{Z: 2})
	fmt.Printf("facing %.0f\n", f.Facing())
	fmt.Printf("camera in agent frame %.0f\n", f.ToAgent(r3.Vec{}))
	// Output:
	// facing {0 0 -1}
	// camera in agent frame {2 0 0}
}

// Moving a point from frame i's camera into frame r's camera.
func ExampleRigid_RelativeTo() {
	poseI := geom.Rigid{R: geom.Identity3(), T: r3.Vec{X: 1}}
	poseR := geom.Rigid{R: geom.Identity3(), T: r3.Vec{X: 3}}
	p := r3.Vec{Z: 5}
	fmt.Println(poseI.RelativeTo(poseR).Apply(p))
	// Output:
	// {-2 0 5}
}

func ExampleWriteTUM() {
	traj := []geom.Stamped{
		{Time: 0, Pose: geom.IdentityRigid()},
		{Time: 0.5, Pose: geom.Rigid{R: geom.Identity3(), T: r3.Vec{X: 1, Y: 2, Z: 3}}},
	}
	geom.WriteTUM(os.Stdout, traj)
	// Output:
	// # timestamp tx ty tz qx qy qz qw
	// 0 0 0 0 0 0 0 1
	// 0.5 1 2 3 0 0 0 1
}

func ExampleIntrinsics_Unproject() {
	k := geom.Intrinsics{Fx: 500, Fy: 500, Cx: 320, Cy: 240}
	fmt.Println(k.Unproject(420, 240, 2))
	// Output:
	// {0.4 0 2}
}

func ExampleUmeyama() {
	src := []r3.Vec{{X: 0}, {X: 1}, {Y: 1}, {Z: 1}}
	want := geom.Sim{S: 2, R: geom.Rz(90), T: r3.Vec{X: 1}}
	dst := make([]r3.Vec, len(src))
	for i, p := range src {
		dst[i] = want.Apply(p)
	}
	s, _ := geom.Umeyama(src, dst, true)
	fmt.Printf("scale %.3f, x translation %.3f\n", s.S, s.T.X)
	// Output:
	// scale 2.000, x translation 1.000
}
