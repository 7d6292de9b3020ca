package qa

import (
	"bytes"
	"fmt"
	"image/color"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Check is one question audited against the truth: the answer recomputed from the true
// series over the same frames, objects and viewpoint.
type Check struct {
	VideoID     string `json:"video_id"`
	Type        string `json:"type"`
	Question    string `json:"question"`
	Answer      string `json:"answer"`       // the generated answer
	TruthAnswer string `json:"truth_answer"` // from the true series ("error: ..." when the reference would raise)
	Agree       bool   `json:"agree"`
	Series      Series `json:"series"`
	TruthSeries Series `json:"truth_series"`

	Confidence *float64 `json:"confidence,omitempty"` // the question's label confidence, when measured
}

// Audit recomputes every question's answer from truth (Compute over the question's Spec,
// then Answer) and compares it with the generated one.
func Audit(qs []Question, truth Cues) []Check {
	out := make([]Check, 0, len(qs))
	for _, q := range qs {
		c := Check{VideoID: q.VideoID, Type: q.Type, Question: q.Question, Answer: q.AnswerText(), Series: q.Series, Confidence: q.Confidence}
		s, _, ok := Compute(truth, q.Spec)
		switch {
		case !ok:
			c.TruthAnswer = "error: no true cue"
		case Family(q.Type) == "dir_pred" && displacement(s) < StillTol:
			c.TruthSeries = s
			c.TruthAnswer = "error: the object does not move (no direction to predict)"
		default:
			c.TruthSeries = s
			a, err := Answer(q.Type, s)
			if err != nil {
				c.TruthAnswer = "error: " + err.Error()
			} else {
				c.TruthAnswer = a
			}
		}
		c.Agree = c.TruthAnswer == c.Answer
		out = append(out, c)
	}
	return out
}

// Agreement is the audit's agreement per type for one group of scenes (a noise level).
type Agreement struct {
	Group  string         `json:"group"`
	Agree  map[string]int `json:"agree"`
	Total  map[string]int `json:"total"`
	AgreeN int            `json:"agree_all"`
	N      int            `json:"n"`
}

// Tally adds checks to a.
func (a *Agreement) Tally(cs []Check) {
	if a.Agree == nil {
		a.Agree, a.Total = map[string]int{}, map[string]int{}
	}
	for _, c := range cs {
		a.Total[c.Type]++
		a.N++
		if c.Agree {
			a.Agree[c.Type]++
			a.AgreeN++
		}
	}
}

func pct(k, n int) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(k)/float64(n), k, n)
}

// AgreementTable formats groups as a Markdown table: one row per type, one column per group.
func AgreementTable(groups []Agreement) string {
	var b strings.Builder
	b.WriteString("| type |")
	for _, g := range groups {
		fmt.Fprintf(&b, " %s |", g.Group)
	}
	b.WriteString("\n|---|")
	for range groups {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, t := range append(append([]string(nil), Types...), "all") {
		fmt.Fprintf(&b, "| %s |", t)
		for _, g := range groups {
			if t == "all" {
				fmt.Fprintf(&b, " %s |", pct(g.AgreeN, g.N))
			} else {
				fmt.Fprintf(&b, " %s |", pct(g.Agree[t], g.Total[t]))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// AgreementChart plots agreement (percent) per type, one bar group per type and one bar per
// group (noise level); a PNG.
func AgreementChart(groups []Agreement) ([]byte, error) {
	p := plot.New()
	p.Title.Text = "dsr4d qa --audit: answers that agree with the ground truth, per type"
	p.Y.Label.Text = "agreement (%)"
	p.Y.Min, p.Y.Max = 0, 105
	names := append(append([]string(nil), Types...), "all")
	palette := []color.RGBA{{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}}
	w := vg.Points(60 / float64(max(len(groups), 1)))
	for gi, g := range groups {
		vals := make(plotter.Values, len(names))
		for i, t := range names {
			k, n := g.Agree[t], g.Total[t]
			if t == "all" {
				k, n = g.AgreeN, g.N
			}
			if n > 0 {
				vals[i] = 100 * float64(k) / float64(n)
			}
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		bars.Color = palette[gi%len(palette)]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(gi-len(groups)/2)
		p.Add(bars)
		p.Legend.Add(g.Group, bars)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	c := vgimg.NewWith(vgimg.UseWH(12*vg.Inch, 5*vg.Inch), vgimg.UseDPI(96))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SortGroups orders groups none, light, heavy, then the others by name.
func SortGroups(g []Agreement) {
	rank := func(s string) int {
		switch s {
		case "none":
			return 0
		case "light":
			return 1
		case "heavy":
			return 2
		}
		return 3
	}
	sort.Slice(g, func(i, j int) bool {
		if ri, rj := rank(g[i].Group), rank(g[j].Group); ri != rj {
			return ri < rj
		}
		return g[i].Group < g[j].Group
	})
}
