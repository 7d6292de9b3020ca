package qa

import "github.com/dsr4d/dsr4d/pipeline/questions"

// The question wire types live in package questions (shared with bench and the viewer); these
// names keep qa's API.
type (
	Question = questions.Question
	Spec     = questions.Spec
	Series   = questions.Series
	BenchRow = questions.BenchRow
)

// Camera is the object id that stands for the camera in a Spec.
const Camera = questions.Camera
