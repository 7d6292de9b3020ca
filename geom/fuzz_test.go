package geom

import (
	"bytes"
	"testing"
)

// FuzzReadTrajectory: TUM and KITTI readers never panic, and what they accept writes back
// and reads again to the same poses.
func FuzzReadTrajectory(f *testing.F) {
	f.Add([]byte("# timestamp tx ty tz qx qy qz qw\n0 1 2 3 0 0 0 1\n0.5 1 2 3 0 0.7071067811865476 0 0.7071067811865476\n"))
	f.Add([]byte("1 0 0 0 0 1 0 0 0 0 1 0\n1 0 0 1 0 1 0 0 0 0 1 2\n"))
	f.Add([]byte("0,1,2,3,0,0,0,1\n\n# c\n"))
	f.Add([]byte("1e308 0 0 0 0 0 0 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if traj, err := ReadTUM(bytes.NewReader(b)); err == nil {
			var buf bytes.Buffer
			if err := WriteTUM(&buf, traj); err != nil {
				t.Fatal(err)
			}
			back, err := ReadTUM(&buf)
			if err != nil || len(back) != len(traj) {
				t.Fatalf("TUM round trip: %v", err)
			}
			for i := range back {
				if back[i].Time != traj[i].Time || back[i].Pose.T != traj[i].Pose.T || !matNear(back[i].Pose.R, traj[i].Pose.R, 1e-9) {
					t.Fatalf("TUM pose %d changed", i)
				}
			}
		}
		if poses, err := ReadKITTI(bytes.NewReader(b)); err == nil {
			var buf bytes.Buffer
			if err := WriteKITTI(&buf, poses); err != nil {
				t.Fatal(err)
			}
			back, err := ReadKITTI(&buf)
			if err != nil || len(back) != len(poses) {
				t.Fatalf("KITTI round trip: %v", err)
			}
			for i := range back {
				if back[i] != poses[i] {
					t.Fatalf("KITTI pose %d changed", i)
				}
			}
		}
	})
}
