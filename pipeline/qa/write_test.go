package qa

import (
	"bytes"
	"testing"
)

// TestWriteVideoLists compares with Python's json.dumps(obj, indent=4, ensure_ascii=False) of the
// same object (printed by /usr/bin/python3): non-ASCII kept, quotes escaped, HTML characters not,
// an empty list as [].
func TestWriteVideoLists(t *testing.T) {
	const want = `{
    "v1": [
        {
            "Type": "abs_dis",
            "Question": "Ï \"q\" <b>&",
            "A": "x",
            "Correct": "A"
        }
    ],
    "v2": []
}`
	var b bytes.Buffer
	err := WriteVideoLists(&b, []string{"v1", "v2"}, func(id string) [][]Field {
		if id == "v2" {
			return nil
		}
		return [][]Field{{{"Type", "abs_dis"}, {"Question", `Ï "q" <b>&`}, {"A", "x"}, {"Correct", "A"}}}
	})
	if err != nil || b.String() != want {
		t.Errorf("err %v, got\n%s\nwant\n%s", err, b.String(), want)
	}
	b.Reset()
	if err := WriteVideoLists(&b, nil, nil); err != nil || b.String() != "{}" {
		t.Errorf("no videos: %q %v", b.String(), err)
	}
}
