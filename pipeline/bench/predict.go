package bench

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Prediction is one line of a predictions file.
type Prediction struct {
	ID    string
	Reply Reply
	Loc   string // "file:line"
}

// idKeys and replyKeys are the accepted names of a predictions line's fields, first present wins:
// dsr4d's own ("id", "reply") and VLMEvalKit's ("index", "prediction").
var (
	idKeys    = []string{"id", "index"}
	replyKeys = []string{"reply", "prediction", "response"}
)

// ReadPredictions reads a JSONL file of {"id": ..., "reply": "..."} lines. The id is a string or
// an integer; "index" is accepted for "id" and "prediction" or "response" for "reply" (VLMEvalKit's
// names). A null reply is an empty one; a reply whose bytes are not UTF-8 is kept, flagged.
// A line that is not such an object, or an id seen before, is an error naming file, line and field.
func ReadPredictions(path string) ([]Prediction, error) {
	var out []Prediction
	first := map[string]string{}
	err := forEachLine(path, func(line int, text []byte) error {
		loc := fmt.Sprintf("%s:%d", path, line)
		m, err := jsonObject(loc, text)
		if err != nil {
			return err
		}
		var p Prediction
		p.Loc = loc
		idKey, replyKey := "", ""
		for _, k := range idKeys {
			if _, ok := m[k]; ok {
				idKey = k
				break
			}
		}
		for _, k := range replyKeys {
			if _, ok := m[k]; ok {
				replyKey = k
				break
			}
		}
		if idKey == "" || isNull(m[idKey]) {
			return fieldError(loc, "id", "missing")
		}
		if replyKey == "" {
			return fieldError(loc, "reply", "missing")
		}
		if p.ID, err = jsonID(loc, idKey, m[idKey]); err != nil {
			return err
		}
		if p.Reply, err = jsonReply(loc, replyKey, m[replyKey]); err != nil {
			return err
		}
		if f, dup := first[p.ID]; dup {
			return fieldError(loc, idKey, "duplicate id %q (first at %s)", p.ID, f)
		}
		first[p.ID] = loc
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no predictions", path)
	}
	return out, nil
}

// Join lines predictions up with b's questions by id and returns one reply per question.
// A prediction whose id is not in the bench is an error; so is a question without a prediction,
// unless allowMissing is set, in which case it gets an empty reply (scored unparsed, as the
// reference scores a missing prediction, str(NaN) = "nan").
func Join(b *Bench, preds []Prediction, allowMissing bool) ([]Reply, error) {
	byID := make(map[string]int, len(b.Questions))
	for i, q := range b.Questions {
		byID[q.ID] = i
	}
	replies := make([]Reply, len(b.Questions))
	got := make([]bool, len(b.Questions))
	for _, p := range preds {
		i, ok := byID[p.ID]
		if !ok {
			return nil, fieldError(p.Loc, "id", "unknown id %q: no such question in %s", p.ID, b.Path)
		}
		if got[i] {
			return nil, fieldError(p.Loc, "id", "duplicate id %q", p.ID)
		}
		replies[i], got[i] = p.Reply, true
	}
	var missing []string
	for i, ok := range got {
		if !ok {
			missing = append(missing, b.Questions[i].ID)
		}
	}
	if len(missing) > 0 && !allowMissing {
		show := missing
		if len(show) > 5 {
			show = show[:5]
		}
		return nil, fmt.Errorf("%d of %d questions of %s have no prediction (ids %s%s)",
			len(missing), len(b.Questions), b.Path, strings.Join(quoteAll(show), ", "),
			map[bool]string{true: ", …", false: ""}[len(missing) > len(show)])
	}
	return replies, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// Baseline names a built-in reply source used to sanity-check a bench and the scorer.
type Baseline string

// The built-in baselines.
const (
	// BaselineRandom answers a letter drawn uniformly from A–D (PCG seeded with the seed).
	BaselineRandom Baseline = "random"
	// BaselineAlwaysA answers "A" to every question.
	BaselineAlwaysA Baseline = "always-a"
	// BaselineOracle answers the correct letter.
	BaselineOracle Baseline = "oracle"
)

// Baselines lists the built-in baselines.
var Baselines = []Baseline{BaselineRandom, BaselineAlwaysA, BaselineOracle}

// BaselineReplies returns the replies of baseline kind for every question of b; the same seed gives
// the same replies.
func BaselineReplies(b *Bench, kind Baseline, seed uint64) ([]Reply, error) {
	out := make([]Reply, len(b.Questions))
	rng := rand.New(rand.NewPCG(seed, 0x64737234642d6576)) // "dsr4d-ev"
	for i, q := range b.Questions {
		switch kind {
		case BaselineRandom:
			out[i].Text = Letters[rng.IntN(len(Letters))]
		case BaselineAlwaysA:
			out[i].Text = "A"
		case BaselineOracle:
			out[i].Text = q.Answer
		default:
			names := make([]string, len(Baselines))
			for i, b := range Baselines {
				names[i] = string(b)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown baseline %q (want one of %s)", kind, strings.Join(names, ", "))
		}
	}
	return out, nil
}
