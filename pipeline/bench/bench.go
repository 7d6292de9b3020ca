package bench

import "strings"

// Question is one row of a bench table.
type Question struct {
	// ID joins the question with its prediction: the table's "id" column when it has one, else its
	// "index" column, else the 0-based row number in file order — the "index" the reference's
	// VLMEvalKit dataset assigns (data_file.assign(index=range(len(data_file)))).
	ID string
	// Row is the 0-based position in file order (for qa_pairs.json: videos in file order, then each
	// video's questions in order).
	Row int
	// Loc names where the row came from, "file:line" (JSONL, qa_pairs.json) or "file:row N"
	// (parquet), for error messages.
	Loc      string
	VideoID  string
	Question string
	// Options are the option lines as the table gives them ("A. Become larger.", ...); always four.
	Options []string
	// Answer is the correct letter, A–D.
	Answer string
	// Type is the question type (rel_dis ... abs_dir_pred, non_temp).
	Type string
	// Class is the scene (video) class when the table has one, else "".
	Class string
}

// Bench is a bench table read from a file.
type Bench struct {
	Path      string
	Format    Format
	Questions []Question
	// Replies holds the reply column named in ReadOptions.ReplyColumn, one per question, or nil.
	Replies []Reply
	// HasClass is set when any question has a scene class.
	HasClass bool
}

// Letters are the option letters of a DSR-Bench question.
var Letters = [4]string{"A", "B", "C", "D"}

// TemplateTypes are the 12 template question types in SPEC-QA §3's order.
var TemplateTypes = []string{
	"rel_dis", "rel_dir", "rel_ori", "abs_dis", "abs_dir", "abs_ori",
	"rel_spd", "abs_spd", "rel_spd_comp", "abs_spd_comp", "rel_dir_pred", "abs_dir_pred",
}

// NonTemplateType is the type of DSR-Bench's LLM-written questions.
const NonTemplateType = "non_temp"

// Types are the 13 DSR-Bench question types: the 12 templates, then non_temp.
var Types = append(append([]string(nil), TemplateTypes...), NonTemplateType)

// IsTemplate reports whether typ is one of the 12 template types.
func IsTemplate(typ string) bool {
	for _, t := range TemplateTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// KnownType reports whether typ is one of the 13 types.
func KnownType(typ string) bool { return typ == NonTemplateType || IsTemplate(typ) }

// Viewpoint is "absolute" or "relative", or "" when q's viewpoint cannot be told.
// Template types say it in their prefix (abs_, rel_). Other questions are classified by the
// sentence the reference's qa_nontemp.py starts them with: "Following the perspective of V, ..."
// is relative and "From the perspective of V, ..." absolute.
func (q *Question) Viewpoint() string {
	switch {
	case strings.HasPrefix(q.Type, "abs_"):
		return "absolute"
	case strings.HasPrefix(q.Type, "rel_"):
		return "relative"
	}
	s := strings.ToLower(strings.TrimSpace(q.Question))
	switch {
	case strings.HasPrefix(s, "following the perspective of"):
		return "relative"
	case strings.HasPrefix(s, "from the perspective of"):
		return "absolute"
	}
	return ""
}
