package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// z95 is the standard normal quantile for a two-sided 95% interval.
const z95 = 1.959963984540054

// Acc is an accuracy over N questions with its Wilson 95% score interval; all three in [0, 1].
// For N = 0 the accuracy and bounds are NaN (null in JSON).
type Acc struct {
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	Low      float64 `json:"ci95_low"`
	High     float64 `json:"ci95_high"`
}

// NewAcc returns the accuracy of correct out of n with its Wilson interval.
func NewAcc(correct, n int) Acc {
	lo, hi := Wilson(correct, n)
	a := Acc{N: n, Correct: correct, Accuracy: math.NaN(), Low: lo, High: hi}
	if n > 0 {
		a.Accuracy = float64(correct) / float64(n)
	}
	return a
}

// Wilson returns the Wilson score 95% interval for k successes in n trials:
// (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n) with p = k/n, z = 1.95996.
// It is NaN, NaN for n = 0.
func Wilson(k, n int) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z95 * z95
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return math.Max(0, center-half), math.Min(1, center+half)
}

// MarshalJSON writes NaN fields as null.
func (a Acc) MarshalJSON() ([]byte, error) {
	num := func(f float64) any {
		if math.IsNaN(f) {
			return nil
		}
		return f
	}
	return json.Marshal(struct {
		N        int `json:"n"`
		Correct  int `json:"correct"`
		Accuracy any `json:"accuracy"`
		Low      any `json:"ci95_low"`
		High     any `json:"ci95_high"`
	}{a.N, a.Correct, num(a.Accuracy), num(a.Low), num(a.High)})
}

// Group is the accuracy of one named subset.
type Group struct {
	Name string `json:"name"`
	Acc
}

// MarshalJSON flattens the accuracy next to the name.
func (g Group) MarshalJSON() ([]byte, error) {
	acc, err := g.Acc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	name, _ := json.Marshal(g.Name)
	return append(append([]byte(`{"name":`), name...), append([]byte{','}, acc[1:]...)...), nil
}

// Result is one scored question.
type Result struct {
	ID      string `json:"id"`
	VideoID string `json:"videoID"`
	Type    string `json:"type"`
	Class   string `json:"class,omitempty"`
	Answer  string `json:"answer"`
	// Reply is the raw reply (bytes that were not UTF-8 appear as U+FFFD; ReplyNonUTF8 says so).
	Reply        string `json:"reply"`
	ReplyNonUTF8 bool   `json:"reply_non_utf8,omitempty"`
	Letter       string `json:"letter"`
	Method       Method `json:"method"`
	Note         string `json:"note,omitempty"`
	Correct      bool   `json:"correct"`
}

// Extraction counts how replies were read.
type ExtractionStats struct {
	Regex    int            `json:"regex"`
	Fallback int            `json:"fallback"`
	Unparsed int            `json:"unparsed"`
	Notes    map[string]int `json:"unparsed_notes,omitempty"`
	// OptionsFallback, under FallbackReference only, counts the unparsed replies that the
	// option-text fallback of FallbackOptions would have read, and how many of those are correct.
	OptionsFallback        *int `json:"options_fallback_would_read,omitempty"`
	OptionsFallbackCorrect *int `json:"options_fallback_would_be_correct,omitempty"`
}

// Report is the score of one model on one bench.
type Report struct {
	Model     string       `json:"model"`
	Bench     string       `json:"bench"`
	Format    Format       `json:"format"`
	Fallback  FallbackMode `json:"fallback"`
	Questions int          `json:"questions"`
	// Overall is the accuracy over all questions (the paper's Avg: question-weighted).
	Overall Acc `json:"overall"`
	// Types are the 13 DSR-Bench types in order (absent ones with n = 0), then any other type
	// the bench has, sorted.
	Types       []Group `json:"types"`
	Template    Acc     `json:"template"`
	NonTemplate Acc     `json:"non_template"`
	Absolute    Acc     `json:"absolute"`
	Relative    Acc     `json:"relative"`
	// Classes are the scene classes, sorted, when the bench has them.
	Classes    []Group         `json:"classes,omitempty"`
	Extraction ExtractionStats `json:"extraction"`
	// Predicted and Answers count letters: what the model chose ("unparsed" for none) and the key.
	Predicted map[string]int `json:"predicted_letters"`
	Answers   map[string]int `json:"answer_letters"`
	// UnknownTypes lists types outside the 13 (counted as non-template).
	UnknownTypes []string `json:"unknown_types,omitempty"`
	// Paper holds the comparison rows when asked for.
	Paper   []PaperRow `json:"paper,omitempty"`
	Results []Result   `json:"-"`
}

// Score reads a letter from each reply (replies[i] answers b.Questions[i]) and scores it.
func Score(b *Bench, replies []Reply, mode FallbackMode, model string) (*Report, error) {
	if len(replies) != len(b.Questions) {
		return nil, fmt.Errorf("bench: %d replies for %d questions", len(replies), len(b.Questions))
	}
	if _, ok := ParseFallbackMode(string(mode)); !ok {
		return nil, fmt.Errorf("bench: unknown fallback mode %q", mode)
	}
	r := &Report{Model: model, Bench: b.Path, Format: b.Format, Fallback: mode,
		Questions: len(b.Questions), Predicted: map[string]int{}, Answers: map[string]int{}}
	type tally struct{ k, n int }
	byType := map[string]*tally{}
	byClass := map[string]*tally{}
	var all, tmpl, nontmpl, abs, rel tally
	add := func(t *tally, ok bool) {
		t.n++
		if ok {
			t.k++
		}
	}
	var wouldRead, wouldCorrect int
	r.Results = make([]Result, len(b.Questions))
	for i := range b.Questions {
		q := &b.Questions[i]
		e := Extract(replies[i], q, mode)
		ok := e.Letter != "" && e.Letter == q.Answer
		r.Results[i] = Result{ID: q.ID, VideoID: q.VideoID, Type: q.Type, Class: q.Class,
			Answer: q.Answer, Reply: replies[i].Text, ReplyNonUTF8: replies[i].NonUTF8,
			Letter: e.Letter, Method: e.Method, Note: e.Note, Correct: ok}
		switch e.Method {
		case MethodRegex:
			r.Extraction.Regex++
		case MethodFallback:
			r.Extraction.Fallback++
		default:
			r.Extraction.Unparsed++
			if r.Extraction.Notes == nil {
				r.Extraction.Notes = map[string]int{}
			}
			r.Extraction.Notes[e.Note]++
			if mode == FallbackReference {
				if alt := Extract(replies[i], q, FallbackOptions); alt.Letter != "" {
					wouldRead++
					if alt.Letter == q.Answer {
						wouldCorrect++
					}
				}
			}
		}
		if e.Letter == "" {
			r.Predicted["unparsed"]++
		} else {
			r.Predicted[e.Letter]++
		}
		r.Answers[q.Answer]++
		add(&all, ok)
		if byType[q.Type] == nil {
			byType[q.Type] = &tally{}
		}
		add(byType[q.Type], ok)
		if IsTemplate(q.Type) {
			add(&tmpl, ok)
		} else {
			add(&nontmpl, ok)
		}
		switch q.Viewpoint() {
		case "absolute":
			add(&abs, ok)
		case "relative":
			add(&rel, ok)
		}
		if q.Class != "" {
			if byClass[q.Class] == nil {
				byClass[q.Class] = &tally{}
			}
			add(byClass[q.Class], ok)
		}
	}
	if mode == FallbackReference {
		r.Extraction.OptionsFallback, r.Extraction.OptionsFallbackCorrect = &wouldRead, &wouldCorrect
	}
	r.Overall = NewAcc(all.k, all.n)
	r.Template, r.NonTemplate = NewAcc(tmpl.k, tmpl.n), NewAcc(nontmpl.k, nontmpl.n)
	r.Absolute, r.Relative = NewAcc(abs.k, abs.n), NewAcc(rel.k, rel.n)
	for _, t := range Types {
		var tl tally
		if p := byType[t]; p != nil {
			tl = *p
		}
		r.Types = append(r.Types, Group{Name: t, Acc: NewAcc(tl.k, tl.n)})
	}
	for t := range byType {
		if !KnownType(t) {
			r.UnknownTypes = append(r.UnknownTypes, t)
		}
	}
	sort.Strings(r.UnknownTypes)
	for _, t := range r.UnknownTypes {
		r.Types = append(r.Types, Group{Name: t, Acc: NewAcc(byType[t].k, byType[t].n)})
	}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		r.Classes = append(r.Classes, Group{Name: c, Acc: NewAcc(byClass[c].k, byClass[c].n)})
	}
	return r, nil
}
