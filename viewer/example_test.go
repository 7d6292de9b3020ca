package viewer_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dsr4d/dsr4d/viewer"
)

// A question line as `dsr4d qa` writes it to questions.jsonl: the overlay reads its type,
// viewpoint, frames, objects, text, options and answer.
func ExampleReadQuestion() {
	dir, _ := os.MkdirTemp("", "qa")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "questions.jsonl")
	line := `{"video_id":"v","question":"Between 0.0s and 1.0s, following the perspective of camera, how does the distance between person and car change?",` +
		`"options":["closer","farther","unchanged","closer then farther"],"answer":"A","type":"rel_dis","viewpoint":0,"v":-1,"objects":[1,2],"start":0,"end":4}`
	_ = os.WriteFile(path, []byte(line+"\n"), 0o644)
	q, err := viewer.ReadQuestion(path, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Type, q.Viewpoint, q.Objects, q.Start, q.End, q.Absolute())
	fmt.Println(q.Options[0], "/", q.Answer)
	// Output:
	// rel_dis 0 [1 2] 0 4 false
	// A. closer / A
}
