package viewer

import (
	"errors"
	"os"
	"testing"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/dsr4d/dsr4d/vk"
)

// TestWindow opens a window under the X display (Xvfb in CI), presents frames, drives the
// timeline, camera and filters with injected key and mouse events through the GLFW callbacks,
// resizes, and closes with no validation messages and no live objects.
func TestWindow(t *testing.T) {
	needDisplay(t)
	geo, err := Build(testScene(t, 5, 64, 48), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	validate := os.Getenv("CI") != "" || vk.ValidationLayerInstalled()
	skip := ""
	fatal := onMain(func() {
		st := NewState(geo)
		w, err := OpenWindow(geo, st, 320, 240, validate)
		if errors.Is(err, vk.ErrNoDevice) && os.Getenv("CI") == "" {
			skip = err.Error()
			return
		}
		if err != nil {
			fatalf("%v", err)
		}
		defer func() {
			msgs := w.Messages()
			w.Close()
			for k, v := range w.Live() {
				if v != 0 {
					t.Errorf("after Close: %d live %s", v, k)
				}
			}
			if msgs.Total() != 0 {
				t.Errorf("%d validation messages: %v", msgs.Total(), msgs.Texts)
			}
		}()
		frame := func() {
			ok, err := w.Frame()
			if err != nil || !ok {
				fatalf("Frame: %v, %v", ok, err)
			}
		}
		press := func(k glfw.Key) {
			w.onKey(k, glfw.Press, 0)
			frame()
		}
		frame()
		uploads := w.Uploads()
		press(glfw.KeyRight)
		press(glfw.KeyRight)
		if st.Frame != 2 {
			t.Errorf("→ twice: frame %d, want 2", st.Frame)
		}
		press(glfw.KeyLeft)
		press(glfw.KeyEnd)
		if st.Frame != 4 {
			t.Errorf("End: frame %d", st.Frame)
		}
		press(glfw.KeyHome)
		press(glfw.KeyRightBracket)
		if st.Frame != 0 || st.Speed != 2 {
			t.Errorf("Home, ]: frame %d speed %g", st.Frame, st.Speed)
		}
		press(glfw.KeySpace)
		if !st.Playing {
			t.Error("space did not start playback")
		}
		st.Tick(1.1) // 2 frames at speed 2 (0.5 s per frame)
		frame()
		if st.Frame != 4 {
			t.Errorf("after 1.1 s at x2: frame %d, want 4", st.Frame)
		}
		press(glfw.KeySpace)
		press(glfw.KeyM)
		if st.Mode != ModeTrail {
			t.Errorf("M: mode %v", st.Mode)
		}
		press(glfw.Key2)
		press(glfw.KeyEqual)
		press(glfw.KeyP)
		press(glfw.KeyN)
		if st.ColorBy != ColorObject || st.PointSize != 3 || st.ConfPct != 10 || st.Stride != 2 {
			t.Errorf("2 = P N: colour %v size %g conf %g stride %d", st.ColorBy, st.PointSize, st.ConfPct, st.Stride)
		}
		home := st.Cam
		press(glfw.KeyW)
		press(glfw.KeyD)
		if st.Cam.Target == home.Target {
			t.Error("W/D did not move the camera")
		}
		w.onButton(glfw.MouseButtonLeft, glfw.Press, 0)
		w.onCursor(w.mx+40, w.my+10)
		w.onButton(glfw.MouseButtonLeft, glfw.Release, 0)
		frame()
		if st.Cam.Yaw == home.Yaw {
			t.Error("drag did not orbit")
		}
		press(glfw.KeyC)
		if st.Cam.Through < 0 {
			t.Error("C did not look through the camera")
		}
		press(glfw.KeyR)
		if st.Cam != home {
			t.Error("R did not reset the camera")
		}
		w.win.SetSize(400, 300)
		for range 3 {
			frame()
		}
		press(glfw.KeyF1)
		if w.Uploads() != uploads {
			t.Errorf("static geometry re-uploaded: %d bytes, then %d", uploads, w.Uploads())
		}
		if w.Frames < 15 {
			t.Errorf("%d frames presented", w.Frames)
		}
		w.onKey(glfw.KeyEscape, glfw.Press, 0)
		if ok, _ := w.Frame(); ok {
			t.Error("Esc did not close the window")
		}
	})
	if fatal != "" {
		t.Fatal(fatal)
	}
	if skip != "" {
		t.Skip(skip)
	}
}
