package bench

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart size: every PNG of the report is ChartWidth × ChartHeight pixels (10 × 5 in at 96 dpi).
const (
	ChartWidth  = 960
	ChartHeight = 480
	chartDPI    = 96
)

var (
	colorModel    = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorBaseline = color.RGBA{R: 0xaa, G: 0xaa, B: 0xaa, A: 0xff}
	colorPaper    = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	colorChance   = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// bar is one bar of a chart: a value in percent, an optional interval and a colour.
type bar struct {
	label    string
	value    float64
	lo, hi   float64 // interval bounds in percent; NaN for none
	fill     color.Color
	hasRange bool
}

// PerTypeChart draws the accuracy of each type present in r (percent) with its Wilson 95%
// interval, the overall accuracy as the last bar and a dashed line at chance (25%); a PNG.
func PerTypeChart(r *Report) ([]byte, error) {
	var bars []bar
	for _, g := range r.Types {
		if g.N == 0 {
			continue
		}
		bars = append(bars, accBar(fmt.Sprintf("%s\nn=%d", g.Name, g.N), g.Acc, colorModel))
	}
	bars = append(bars, accBar(fmt.Sprintf("overall\nn=%d", r.Overall.N), r.Overall, colorPaper))
	title := fmt.Sprintf("%s on DSR-Bench: accuracy per type (95%% Wilson interval)", r.Model)
	return drawBars(title, bars)
}

// CompareChart draws the model's overall accuracy (with its interval) beside the built-in
// baselines on the same bench (chance 25%, always-A = the share of A answers) and rows, the
// paper's (or any) Avg figures; a PNG.
func CompareChart(r *Report, rows []PaperRow) ([]byte, error) {
	bars := []bar{accBar(r.Model+"\n(this run)", r.Overall, colorModel)}
	bars = append(bars, bar{label: "chance", value: 25, fill: colorBaseline})
	if r.Questions > 0 {
		a := NewAcc(r.Answers["A"], r.Questions)
		bars = append(bars, bar{label: "always-A\n(this bench)", value: 100 * a.Accuracy, fill: colorBaseline})
	}
	for _, p := range rows {
		bars = append(bars, bar{label: wrapLabel(p.Model), value: p.Avg, fill: colorPaper})
	}
	return drawBars("DSR-Bench overall accuracy (Avg): model vs baselines", bars)
}

func accBar(label string, a Acc, c color.Color) bar {
	b := bar{label: label, fill: c}
	if a.N > 0 {
		b.value, b.lo, b.hi, b.hasRange = 100*a.Accuracy, 100*a.Low, 100*a.High, true
	}
	return b
}

// wrapLabel breaks a long label at its middle space so that tick labels stay narrow.
func wrapLabel(s string) string {
	if len(s) <= 16 {
		return s
	}
	best := -1
	for i := range s {
		if s[i] == ' ' && (best < 0 || math.Abs(float64(i-len(s)/2)) < math.Abs(float64(best-len(s)/2))) {
			best = i
		}
	}
	if best < 0 {
		return s
	}
	return s[:best] + "\n" + s[best+1:]
}

// errPoints feeds the interval bars: centre and distances below/above.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

func drawBars(title string, bars []bar) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "accuracy (%)"
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = plot.ConstantTicks(percentTicks())
	p.Add(plotter.NewGrid())
	names := make([]string, len(bars))
	var pts errPoints
	for i, b := range bars {
		names[i] = b.label
		vals := make(plotter.Values, len(bars))
		vals[i] = b.value
		bc, err := plotter.NewBarChart(vals, vg.Points(math.Min(48, 560/float64(len(bars)))))
		if err != nil {
			return nil, err
		}
		bc.Color = b.fill
		bc.LineStyle.Width = 0
		p.Add(bc)
		if b.hasRange {
			pts.XYs = append(pts.XYs, plotter.XY{X: float64(i), Y: b.value})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{b.value - b.lo, b.hi - b.value})
		}
	}
	if len(pts.XYs) > 0 {
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, err
		}
		eb.LineStyle.Width = vg.Points(1.2)
		p.Add(eb)
	}
	chance, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 25}, {X: float64(len(bars)) - 0.5, Y: 25}})
	if err != nil {
		return nil, err
	}
	chance.Color = colorChance
	chance.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(chance)
	p.Legend.Add("chance (25%)", chance)
	p.Legend.Top = true
	p.NominalX(names...)
	p.X.Tick.Label.Font.Size = vg.Points(8)
	if len(bars) > 10 {
		p.X.Tick.Label.Font.Size = vg.Points(7)
	}

	c := vgimg.NewWith(
		vgimg.UseWH(ChartWidth*vg.Inch/chartDPI, ChartHeight*vg.Inch/chartDPI),
		vgimg.UseDPI(chartDPI),
		vgimg.UseBackgroundColor(color.White),
	)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func percentTicks() []plot.Tick {
	var t []plot.Tick
	for v := 0; v <= 100; v += 10 {
		label := ""
		if v%20 == 0 {
			label = fmt.Sprint(v)
		}
		t = append(t, plot.Tick{Value: float64(v), Label: label})
	}
	return t
}
