package qa

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// RejectLowConfidence counts questions dropped by a label-confidence filter.
const RejectLowConfidence = "low_confidence"

// Replicator are cues that draw bootstrap replicates of themselves (package robust's
// estimate): Batch then writes each question's label confidence, over Replicates of them.
type Replicator interface {
	Cues
	Replicate(r int) Cues
}

// Replicates is the number of bootstrap replicates behind a label confidence.
const Replicates = 32

// rate writes each question's label confidence when the cues draw replicates; one set of
// replicates serves all of a scene's questions.
func rate(qs []Question, c Cues) {
	rc, ok := c.(Replicator)
	if !ok {
		return
	}
	reps := make([]Cues, Replicates)
	cached := func(r int) Cues {
		if reps[r] == nil {
			reps[r] = rc.Replicate(r)
		}
		return reps[r]
	}
	for i := range qs {
		v := LabelConfidence(qs[i], cached, Replicates)
		qs[i].Confidence = &v
	}
}

// dropUnsure removes the questions whose label confidence is below min, counted as rejected
// (low_confidence); their checks stay, for the yield curve.
func dropUnsure(r *Result, min float64) {
	if min <= 0 {
		return
	}
	keep := r.Questions[:0]
	for _, q := range r.Questions {
		if q.Confidence != nil && *q.Confidence < min {
			r.Stats.Generated--
			r.Stats.ByType[q.Type]--
			r.Stats.Rejected[RejectLowConfidence]++
			continue
		}
		keep = append(keep, q)
	}
	r.Questions = keep
}

// kept are the checks whose question survives a --min-confidence cut.
func kept(cs []Check, min float64) []Check {
	if min <= 0 {
		return cs
	}
	var out []Check
	for _, c := range cs {
		if c.confidence() >= min {
			out = append(out, c)
		}
	}
	return out
}

// writeYield writes audit_yield.md and audit_yield.png, the agreement against yield per
// confidence cut, when the checks carry label confidences.
func writeYield(out string, all map[string][]Check) error {
	rated := false
	for _, cs := range all {
		for _, c := range cs {
			rated = rated || c.Confidence != nil
		}
	}
	if !rated {
		return nil
	}
	pts := YieldCurve(all)
	if err := atomicfile.Write(filepath.Join(out, "audit_yield.md"), []byte(YieldTable(pts))); err != nil {
		return err
	}
	png, err := YieldChart(pts)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(out, "audit_yield.png"), png)
}

// LabelConfidence is the share of n replicate cue sets (replicate(0..n−1), bootstrap draws of
// the estimate from its own data) on which q's series, recomputed over the same frames,
// objects and viewpoint, gives q's answer. It measures how far the decisive quantities — the
// distance and speed ratios against 0.8/1.2, the 0.1 floor, the unit components against
// ±0.3 — sit from their thresholds relative to the data's uncertainty, all at once: 1 when
// no replicate flips the label. A replicate that cannot compute the series counts as a flip.
func LabelConfidence(q Question, replicate func(r int) Cues, n int) float64 {
	if n <= 0 {
		return 1
	}
	want := q.AnswerText()
	same := 0
	for r := range n {
		sp := q.Spec
		c := replicate(r)
		s, last, ok := Compute(c, sp)
		if !ok || (Family(sp.Type) != "dir_pred" && last != sp.End) {
			continue
		}
		if a, _, err := ResolvedAnswer(c, sp.Type, s); err == nil && a == want {
			same++
		}
	}
	return float64(same) / float64(n)
}

// YieldPoint is one row of the agreement-against-yield curve: the questions whose label
// confidence is at least MinConfidence.
type YieldPoint struct {
	Group         string  `json:"group"`
	MinConfidence float64 `json:"min_confidence"`
	Kept          int     `json:"kept"`
	Agree         int     `json:"agree"`
	Total         int     `json:"total"` // all audited questions of the group
}

// Thresholds are the confidence cuts of the yield table and curve.
var Thresholds = []float64{0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1}

// YieldCurve tallies checks (with their Confidence) per group at each threshold; checks
// without a confidence count as confidence 1.
func YieldCurve(groups map[string][]Check) []YieldPoint {
	var names []string
	for g := range groups {
		names = append(names, g)
	}
	sortGroupNames(names)
	var out []YieldPoint
	for _, g := range names {
		for _, t := range Thresholds {
			p := YieldPoint{Group: g, MinConfidence: t, Total: len(groups[g])}
			for _, c := range groups[g] {
				if c.confidence() >= t {
					p.Kept++
					if c.Agree {
						p.Agree++
					}
				}
			}
			out = append(out, p)
		}
	}
	return out
}

func (c Check) confidence() float64 {
	if c.Confidence == nil {
		return 1
	}
	return *c.Confidence
}

// YieldTable formats a curve as Markdown: per group and threshold, agreement and yield.
func YieldTable(pts []YieldPoint) string {
	var b strings.Builder
	b.WriteString("| noise | min confidence | agreement | yield (kept/all) |\n|---|---|---|---|\n")
	for _, p := range pts {
		y := "—"
		if p.Total > 0 {
			y = fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(p.Kept)/float64(p.Total), p.Kept, p.Total)
		}
		fmt.Fprintf(&b, "| %s | %.2f | %s | %s |\n", p.Group, p.MinConfidence, pct(p.Agree, p.Kept), y)
	}
	return b.String()
}

// YieldChart plots agreement (%) against yield (%) per group, one point per threshold; a PNG.
func YieldChart(pts []YieldPoint) ([]byte, error) {
	p := plot.New()
	p.Title.Text = "dsr4d qa --audit: agreement against yield (label-confidence filter)"
	p.X.Label.Text = "yield: questions kept (%)"
	p.Y.Label.Text = "agreement with the ground truth (%)"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 100, 0, 100
	palette := []color.RGBA{{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0x94, 0x67, 0xbd, 0xff}}
	byGroup := map[string]plotter.XYs{}
	var order []string
	for _, q := range pts {
		if q.Kept == 0 || q.Total == 0 {
			continue
		}
		if _, ok := byGroup[q.Group]; !ok {
			order = append(order, q.Group)
		}
		byGroup[q.Group] = append(byGroup[q.Group], plotter.XY{X: 100 * float64(q.Kept) / float64(q.Total), Y: 100 * float64(q.Agree) / float64(q.Kept)})
	}
	for i, g := range order {
		l, s, err := plotter.NewLinePoints(byGroup[g])
		if err != nil {
			return nil, err
		}
		l.Color, s.Color = palette[i%len(palette)], palette[i%len(palette)]
		p.Add(l, s)
		p.Legend.Add(g, l, s)
	}
	p.Legend.Left, p.Legend.Top = true, false
	p.Add(plotter.NewGrid())
	c := vgimg.NewWith(vgimg.UseWH(7*vg.Inch, 5*vg.Inch), vgimg.UseDPI(96))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sortGroupNames orders noise groups as SortGroups does.
func sortGroupNames(names []string) {
	g := make([]Agreement, len(names))
	for i, n := range names {
		g[i].Group = n
	}
	SortGroups(g)
	for i := range g {
		names[i] = g[i].Group
	}
}
