// Package curate is the DSR Suite's video curation stage asked of a language model: the motion
// filter over captions (data/deepseek_motion.py), the agent/object classification of captions
// (data/deepseek_agent.py) and the motion filter over videos (data/gemini_motion.py). It owns
// their prompts (byte for byte the reference's: testdata/prompts.json, made by
// scripts/extract_prompts.py from the reference source), their answer parsing and the files they
// write: dynamic_videos.json and agent_object.csv. `dsr4d curate` is its command line; the
// model is reached through package llm.
//
// Answer parsing, as the reference does it:
//
//   - Caption motion (MotionKeep): the reply's last line (split on "\n") must contain "yes" and
//     not "no", case-sensitive: "yes, no doubt" is a no, "Yes" is a no.
//   - Agents (ParseAgents): split_output — lines split on "\n", empty ones dropped, the rest
//     stripped (a line of spaces survives as ""); exactly two lines, else the reference asks
//     again (here: the reply is invalid and retried, up to the retry limit). agent and obj are
//     the two lines verbatim ("None" included).
//   - Video motion (ParseVideoMotion): the reply split on "\n" must have exactly two lines (else
//     asked again); "no" in the first drops the video, then "yes" in it keeps it under the
//     category named by the second line verbatim; a category outside VideoClasses is a KeyError
//     the reference's bare except swallows: the video is dropped (reason "unknown_category").
//
// Files:
//
//   - dynamic_videos.json from captions: the kept video ids in caption order, json.dump indent 4
//     (the reference concatenates per-process files in glob order; dsr4d keeps the CSV order).
//   - agent_object.csv: pandas to_csv(index=False) of videoID, agent, obj.
//   - dynamic_videos.json from videos: {category: [file names]} over the six VideoClasses in
//     order, what gemini_motion.py's per-process files hold; its final merge would crash
//     (merged = [] indexed by a string), so this is the merge it means.
//
// The video prompt takes agent and obj from agent_object.csv as gemini_motion.py does: a video
// whose agent cell is empty (pandas NaN, which includes the text "None") is skipped; the cells
// are lower-cased with "." replaced by ", "; an empty obj cell becomes the Python list [] in the
// prompt ("The object in the video is []."). The video itself goes to the model as sampled
// frames (package video), since a chat-completions endpoint takes images, not files.
//
// Deliberate differences: the reference splits the rows over processes as total//process_num
// per process and never processes the remainder rows; dsr4d processes every row. The reference
// re-asks forever on a non-200 reply or a reply of the wrong shape; dsr4d retries up to a limit
// and reports the rows it could not finish (and then writes no output file).
package curate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// System is the system message of the caption stages.
const System = "You are a helpful assistant."

// VideoClasses are gemini_motion.py's video categories, in its order.
var VideoClasses = []string{"Sports & Recreation", "Transportation & Vehicle Operation", "Art Performance",
	"Manual Labor & Craftsmanship", "Daily Activities & Hobbies", "Nature & Wildlife"}

// MotionPrompt is deepseek_motion.py's user message for a caption.
func MotionPrompt(caption string) string {
	return `"` + caption + `" is the caption of a video. Think about whether the video satisfies the following condition: Regardless of camera movement and articulated motion, the world coordinates of at least 3 main subjects in the video change substantially. Only consider the objects that can be regarded as a whole and not part of other objects. ` +
		"\n" + ` If the condition is satisfied, output "yes" in a new line. If the condition is not satisfied, output "no" in a new line.`
}

// AgentPrompt is deepseek_agent.py's user message for a caption.
func AgentPrompt(caption string) string {
	return `"` + caption + `" is the caption of a video. In one line, list all classes of agents in the video and use dot to separate them. If there is no agent, output "None" in this line. Then, in a new line, list the classes of remaining foreground objects in the video and use dot to separate them. An object should be a discrete, countable item (e.g., a bottle, a rock). The object must not be a part of other objects. If there is no object, output "None" in this line.`
}

// VideoPrompt is gemini_motion.py's prompt for a video with the agent and obj cells of its
// agent_object.csv row (objNA: the obj cell is NaN).
func VideoPrompt(agent, obj string, objNA bool) string {
	agent = strings.ReplaceAll(strings.ToLower(agent), ".", ", ")
	if objNA {
		obj = "[]" // the reference sets obj = [] and formats the list
	} else {
		obj = strings.ReplaceAll(strings.ToLower(obj), ".", ", ")
	}
	return "The video belongs to one of following categories: " + strings.Join(VideoClasses, ",") +
		". The agent in the video is " + agent + ". The object in the video is " + obj + `. Think about whether the video satisfies the following conditions: (1) The camera is not mainly filming the inside of one moving object; (2) Regardless of camera movement, articulated motion and shape variation, the world coordinates of at least 3 agent (exclude hands) or object change substantially; (3) Every agent or object cannot occupy less than 1% of the screen; (4) Every agent or object cannot occupy more than 50% of the screen. Only consider the objects that can be regarded as a whole and not part of or containing other objects. Only consider objects that are discrete, countable items (e.g., a bottle, a rock). Only consider objects that are not in contact with each other. Only consider agents and objects belonging to classes given at the beginning. ` +
		"\n" + ` If all conditions are satisfied, output "yes" in a new line. If any condition is not satisfied, output "no" in a new line. Then in a new line, output the category of the video.`
}

// MotionKeep is deepseek_motion.py's decision on a reply: keep the video when the last line
// contains "yes" and not "no".
func MotionKeep(reply string) bool {
	lines := strings.Split(reply, "\n")
	last := lines[len(lines)-1]
	return !strings.Contains(last, "no") && strings.Contains(last, "yes")
}

// SplitOutput is deepseek_agent.py's split_output.
func SplitOutput(reply string) []string {
	var out []string
	for _, l := range strings.Split(reply, "\n") {
		if l == "" {
			continue
		}
		out = append(out, strings.TrimSpace(l)) // Python's str.strip: whitespace, as TrimSpace
	}
	return out
}

// ParseAgents returns the agent and obj lines of a reply, or an error when it does not have
// exactly two (the reference asks again).
func ParseAgents(reply string) (agent, obj string, err error) {
	p := SplitOutput(reply)
	if len(p) != 2 {
		return "", "", fmt.Errorf("want 2 non-empty lines (agents, objects), got %d", len(p))
	}
	return p[0], p[1], nil
}

// ValidateVideoMotion rejects a reply that is not exactly two lines (the reference asks again).
func ValidateVideoMotion(reply string) error {
	if n := len(strings.Split(reply, "\n")); n != 2 {
		return fmt.Errorf("want exactly 2 lines (yes/no, category), got %d", n)
	}
	return nil
}

// Video motion outcomes.
const (
	ReasonNo              = "no"
	ReasonUnknownCategory = "unknown_category"
	ReasonNeither         = "neither_yes_nor_no"
)

// ParseVideoMotion is gemini_motion.py's decision on a two-line reply: the category to keep the
// video under, or "" and why it is dropped.
func ParseVideoMotion(reply string) (category, reason string, err error) {
	if err := ValidateVideoMotion(reply); err != nil {
		return "", "", err
	}
	l := strings.Split(reply, "\n")
	switch {
	case strings.Contains(l[0], "no"):
		return "", ReasonNo, nil
	case strings.Contains(l[0], "yes"):
		for _, c := range VideoClasses {
			if c == l[1] {
				return c, "", nil
			}
		}
		return "", ReasonUnknownCategory, nil
	}
	return "", ReasonNeither, nil
}

// pyJSON is json.dump(v, ensure_ascii=False, indent=4) for strings, lists and ordered dicts.
func pyJSON(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.SetIndent("", "    ")
	if err := e.Encode(v); err != nil {
		panic(err) // strings and lists only
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// DynamicList is dynamic_videos.json from captions: the kept video ids.
func DynamicList(ids []string) []byte {
	if ids == nil {
		ids = []string{}
	}
	return pyJSON(ids)
}

// DynamicByClass is dynamic_videos.json from videos: {category: [file names]} in VideoClasses
// order.
func DynamicByClass(by map[string][]string) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for i, c := range VideoClasses {
		if i > 0 {
			b.WriteString(",")
		}
		list := by[c]
		if list == nil {
			list = []string{}
		}
		inner := strings.ReplaceAll(string(pyJSON(list)), "\n", "\n    ")
		fmt.Fprintf(&b, "\n    %s: %s", pyJSON(c), inner)
	}
	b.WriteString("\n}")
	return b.Bytes()
}

// AgentObject is one row of agent_object.csv. NA marks a cell pandas reads as NaN.
type AgentObject struct {
	VideoID        string
	Agent, Obj     string
	AgentNA, ObjNA bool
}

// AgentClasses returns the agent classes of a row as qa_nontemp.py reads them: lower-cased,
// split on "." (empty pieces dropped, pieces trimmed); none for NaN.
func (r AgentObject) AgentClasses() []string { return classes(r.Agent, r.AgentNA) }

// ObjectClasses returns the object classes of a row, as AgentClasses.
func (r AgentObject) ObjectClasses() []string { return classes(r.Obj, r.ObjNA) }

func classes(s string, na bool) []string {
	if na {
		return nil
	}
	var out []string
	for _, p := range strings.Split(strings.ToLower(s), ".") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// WriteAgentObjects writes agent_object.csv as pandas' to_csv(index=False) does: a header
// videoID,agent,obj, minimal quoting, "\n" line ends, NaN as an empty cell.
func WriteAgentObjects(w io.Writer, rows []AgentObject) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"videoID", "agent", "obj"})
	for _, r := range rows {
		a, o := r.Agent, r.Obj
		if r.AgentNA {
			a = ""
		}
		if r.ObjNA {
			o = ""
		}
		cw.Write([]string{r.VideoID, a, o})
	}
	cw.Flush()
	return cw.Error()
}

// pandasNA are the cell texts pandas' read_csv reads as NaN by default.
var pandasNA = map[string]bool{"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true,
	"-1.#QNAN": true, "-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true,
	"N/A": true, "NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true}

// table reads a CSV with a header and returns, per row, the cells of the wanted columns
// (found by name); errors name the file, the line and the column.
func table(path string, want ...string) ([][]string, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: header: %v", path, err)
	}
	col := make([]int, len(want))
	for i, w := range want {
		col[i] = -1
		for j, h := range head {
			if strings.TrimPrefix(strings.TrimSpace(h), "\ufeff") == w {
				col[i] = j
			}
		}
		if col[i] < 0 {
			return nil, nil, fmt.Errorf("%s:1: no column %q (columns: %s)", path, w, strings.Join(head, ", "))
		}
	}
	var rows [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", path, err)
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) != len(head) {
			return nil, nil, fmt.Errorf("%s:%d: %d cells, the header has %d", path, line, len(rec), len(head))
		}
		row := make([]string, len(want))
		for i, c := range col {
			row[i] = rec[c]
		}
		rows = append(rows, row)
		lines = append(lines, line)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, lines, nil
}

// Caption is one row of the captions table (the reference's koala_videos.csv).
type Caption struct {
	VideoID, Caption string
}

// ReadCaptions reads a CSV with videoID and caption columns; other columns are ignored.
func ReadCaptions(path string) ([]Caption, error) {
	rows, lines, err := table(path, "videoID", "caption")
	if err != nil {
		return nil, err
	}
	out := make([]Caption, len(rows))
	for i, r := range rows {
		if r[0] == "" {
			return nil, fmt.Errorf("%s:%d: column videoID: empty", path, lines[i])
		}
		out[i] = Caption{VideoID: r[0], Caption: r[1]}
	}
	return out, nil
}

// ReadAgentObjects reads agent_object.csv (videoID, agent, obj), NaN cells as pandas reads them.
func ReadAgentObjects(path string) ([]AgentObject, error) {
	rows, lines, err := table(path, "videoID", "agent", "obj")
	if err != nil {
		return nil, err
	}
	out := make([]AgentObject, len(rows))
	for i, r := range rows {
		if r[0] == "" {
			return nil, fmt.Errorf("%s:%d: column videoID: empty", path, lines[i])
		}
		out[i] = AgentObject{VideoID: r[0], Agent: r[1], Obj: r[2], AgentNA: pandasNA[r[1]], ObjNA: pandasNA[r[2]]}
	}
	return out, nil
}

// Find returns the first row of video id (the reference's .loc[...].tolist()[0]).
func Find(rows []AgentObject, id string) (AgentObject, bool) {
	for _, r := range rows {
		if r.VideoID == id {
			return r, true
		}
	}
	return AgentObject{}, false
}
