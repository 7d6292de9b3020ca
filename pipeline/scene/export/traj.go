package export

import (
	"io"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// WriteTUM writes the scene's camera path as a TUM trajectory (timestamp tx ty tz qx qy qz
// qw, camera-to-world), one line per frame at the frame's timestamp.
func WriteTUM(w io.Writer, s *scene.Scene) error {
	traj := make([]geom.Stamped, s.N)
	for i := range traj {
		traj[i] = geom.Stamped{Time: s.Timestamps[i], Pose: s.Pose(i)}
	}
	return geom.WriteTUM(w, traj)
}

// WriteKITTI writes the scene's camera path in the KITTI odometry format (12 numbers of the
// 3×4 camera-to-world matrix per line).
func WriteKITTI(w io.Writer, s *scene.Scene) error {
	return geom.WriteKITTI(w, s.CameraPath())
}
