package synth

import (
	"slices"
	"strings"
)

// Preset is a family of scenes: which classes and motions the dynamic objects draw from,
// which static objects are tracked too, and how the camera moves.
type Preset struct {
	Name    string
	Summary string
	Classes []string // dynamic object classes, drawn round-robin after a seeded shuffle
	Motions []Motion // dynamic object motions, likewise
	Statics []string // tracked static objects
	Camera  CameraMotion
	// CameraAmount: orbit, the angle swept over the clip (rad); dolly, the distance (m); pan,
	// the amplitude (rad).
	CameraAmount float64
	Shake        float64 // hand-held shake amplitude (m)
}

// Capacity is the number of dynamic objects the preset's layout fits.
func (p Preset) Capacity() int { return len(slotGrid) - len(p.Statics) }

var allMotions = []Motion{Approach, Recede, PassBy, Circle, StopAndGo, Accelerate, TurnInPlace, Follow}

// Presets are the built-in scene families, by name.
var Presets = map[string]Preset{
	"default": {Name: "default", Summary: "mixed classes and every motion; slow orbiting hand-held camera",
		Classes: []string{"person", "car", "ball", "dog"}, Motions: allMotions, Statics: []string{"tree"},
		Camera: Orbit, CameraAmount: 0.35, Shake: 0.01},
	"street": {Name: "street", Summary: "people, cars and robots crossing and approaching; camera dollies forward",
		Classes: []string{"person", "car", "robot", "person"}, Motions: []Motion{PassBy, Approach, Recede, StopAndGo, Accelerate},
		Statics: []string{"bench"}, Camera: Dolly, CameraAmount: 2, Shake: 0.015},
	"park": {Name: "park", Summary: "people, dogs and balls circling, following and turning; camera pans",
		Classes: []string{"person", "dog", "ball", "person"}, Motions: []Motion{Circle, Follow, TurnInPlace, StopAndGo, PassBy},
		Statics: []string{"tree", "bench"}, Camera: Pan, CameraAmount: 0.15, Shake: 0.01},
	"orbit": {Name: "orbit", Summary: "every class and motion; camera orbits a quarter turn, steady",
		Classes: []string{"person", "car", "dog", "robot", "ball", "cart"}, Motions: allMotions, Statics: []string{"barrel"},
		Camera: Orbit, CameraAmount: 1.57},
	"static": {Name: "static", Summary: "every class and motion; fixed steady camera (the easiest case)",
		Classes: []string{"person", "car", "dog", "robot", "ball", "cart"}, Motions: allMotions, Statics: []string{"barrel"},
		Camera: Fixed},
	"handheld": {Name: "handheld", Summary: "every class and motion; standing camera with a strong hand-held shake",
		Classes: []string{"person", "car", "dog", "robot", "ball", "cart"}, Motions: allMotions, Statics: []string{"tree"},
		Camera: Fixed, Shake: 0.04},
}

// PresetNames returns the preset names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// PresetHelp is one line per preset: "name  summary".
func PresetHelp() string {
	var b strings.Builder
	for _, n := range PresetNames() {
		b.WriteString("  " + n + strings.Repeat(" ", max(1, 10-len(n))) + Presets[n].Summary + "\n")
	}
	return b.String()
}
