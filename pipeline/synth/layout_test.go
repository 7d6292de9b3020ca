package synth

import "testing"

// TestLayoutInView: with the default sizes, most seeds of every preset find a layout that keeps
// every tracked object in view in MinInView of the frames.
func TestLayoutInView(t *testing.T) {
	t.Parallel()
	for _, name := range PresetNames() {
		good, n := 0, 0
		for seed := range uint64(10) {
			cfg := DefaultConfig()
			cfg.Preset, cfg.Seed = name, seed
			w, err := NewWorld(cfg)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if w.inView() >= MinInView {
				good++
			}
		}
		t.Logf("%s: %d/%d seeds keep every tracked object in view", name, good, n)
		if good < n*7/10 {
			t.Errorf("%s: only %d/%d seeds keep every tracked object in view", name, good, n)
		}
	}
}
