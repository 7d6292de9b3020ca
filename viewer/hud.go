package viewer

import (
	"fmt"
	stdimage "image"
	"strings"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// HUDVertex is one corner of a HUD triangle (12 bytes): pixels from the top left, RGBA.
type HUDVertex struct {
	Pos  [2]float32
	RGBA [4]uint8
}

// The HUD font is the 7×13 bitmap face of golang.org/x/image/font/basicfont (ASCII); each lit
// run of a glyph row becomes one quad, so text needs no texture and no descriptor set.
var hudFace = basicfont.Face7x13

const (
	glyphW = 7
	glyphH = 13
)

// hudText collects the HUD's quads.
type hudText struct {
	v     []HUDVertex
	scale float32
}

func (h *hudText) rect(x0, y0, x1, y1 float32, c [4]uint8) {
	h.v = append(h.v,
		HUDVertex{[2]float32{x0, y0}, c}, HUDVertex{[2]float32{x1, y0}, c}, HUDVertex{[2]float32{x1, y1}, c},
		HUDVertex{[2]float32{x0, y0}, c}, HUDVertex{[2]float32{x1, y1}, c}, HUDVertex{[2]float32{x0, y1}, c})
}

// text draws s with its top left at (x, y) and returns the width drawn.
func (h *hudText) text(x, y float32, s string, c [4]uint8) float32 {
	sc := h.scale
	x0 := x
	for _, r := range s {
		if r == '←' {
			r = '<'
		} else if r == '→' {
			r = '>'
		} else if r == '↑' {
			r = '^'
		} else if r == '↓' {
			r = 'v'
		} else if r == '÷' {
			r = '/'
		} else if r == '×' {
			r = 'x'
		} else if r == '−' {
			r = '-'
		} else if r == '≥' {
			r = '>'
		}
		dr, mask, mp, _, ok := hudFace.Glyph(fixed.P(0, hudFace.Ascent), r)
		if !ok {
			dr, mask, mp, _, _ = hudFace.Glyph(fixed.P(0, hudFace.Ascent), '?')
		}
		a, _ := mask.(*stdimage.Alpha)
		for gy := 0; gy < dr.Dy(); gy++ {
			run := -1
			for gx := 0; gx <= dr.Dx(); gx++ {
				lit := gx < dr.Dx() && a != nil && a.AlphaAt(mp.X+gx, mp.Y+gy).A > 127
				if lit && run < 0 {
					run = gx
				}
				if !lit && run >= 0 {
					px, py := x+float32(dr.Min.X+run)*sc, y+float32(dr.Min.Y+gy)*sc
					h.rect(px, py, px+float32(gx-run)*sc, py+sc, c)
					run = -1
				}
			}
		}
		x += glyphW * sc
	}
	return x - x0
}

// wrap splits s into lines of at most n characters at spaces.
func wrap(s string, n int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(w)) > n {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		out = append(out, line)
	}
	return out
}

// buildHUD lays out the HUD for a w×h framebuffer: a status panel at the top left, the
// question at the bottom, the key list in the middle when asked for.
func buildHUD(st *State, w, h int) []HUDVertex {
	if !st.HUD {
		return nil
	}
	t := &hudText{scale: 1}
	if w >= 1800 {
		t.scale = 2
	}
	sc := t.scale
	lh := (glyphH + 3) * sc
	white, grey, yellow := [4]uint8{255, 255, 255, 255}, [4]uint8{190, 190, 200, 255}, [4]uint8{255, 220, 90, 255}
	panel := [4]uint8{0, 0, 0, 150}

	play := "paused"
	if st.Playing {
		play = fmt.Sprintf("playing x%g", st.Speed)
	} else if st.Speed != 1 {
		play = fmt.Sprintf("paused x%g", st.Speed)
	}
	if st.Loop {
		play += ", loop"
	}
	mode := st.Mode.String()
	if st.Mode == ModeTrail {
		mode = fmt.Sprintf("trail %d", st.Trail)
	}
	view := "orbit"
	if st.Cam.Through >= 0 {
		view = "through camera"
	}
	if st.FrameTime > 0 {
		view += fmt.Sprintf("  %.1f ms", float64(st.FrameTime.Microseconds())/1000)
	}
	status := []string{
		fmt.Sprintf("frame %d/%d  t=%.2fs  %s", st.Frame, st.N-1, st.Time(), play),
		fmt.Sprintf("%s  colour %s  size %g  stride %d  conf>=p%g  %s", mode, st.ColorBy, st.PointSize, st.Stride, st.ConfPct, view),
	}
	if st.Title != "" {
		status = append([]string{st.Title}, status...)
	}
	maxLen := 0
	for _, s := range status {
		maxLen = max(maxLen, len([]rune(s)))
	}
	pad := 6 * sc
	t.rect(0, 0, float32(maxLen)*glyphW*sc+2*pad, float32(len(status))*lh+2*pad-3*sc, panel)
	for i, s := range status {
		c := white
		if i == 0 && st.Title != "" {
			c = yellow
		}
		t.text(pad, pad+float32(i)*lh, s, c)
	}

	if st.Help {
		lines := strings.Split(KeysHelp, "\n")
		y0 := float32(len(status))*lh + 3*pad
		n := 0
		for _, l := range lines {
			n = max(n, len([]rune(l)))
		}
		t.rect(0, y0, float32(n)*glyphW*sc+2*pad, y0+float32(len(lines))*lh+2*pad-3*sc, panel)
		for i, l := range lines {
			t.text(pad, y0+pad+float32(i)*lh, l, grey)
		}
	}

	if q := st.Question; q != nil {
		cols := max(int((float32(w)-2*pad)/(glyphW*sc)), 20)
		var lines []string
		var colors [][4]uint8
		add := func(s string, c [4]uint8) {
			for _, l := range wrap(s, cols) {
				lines, colors = append(lines, l), append(colors, c)
			}
		}
		add(fmt.Sprintf("Q [%s] frames %d-%d: %s", q.Type, q.Start, q.End, q.Text), white)
		for _, o := range q.Options {
			c := grey
			if q.Answer != "" && strings.HasPrefix(o, q.Answer) {
				c = [4]uint8{120, 255, 120, 255}
			}
			add("  "+o, c)
		}
		if q.Answer != "" {
			add("answer: "+q.Answer, [4]uint8{120, 255, 120, 255})
		}
		y0 := float32(h) - float32(len(lines))*lh - 2*pad
		t.rect(0, y0, float32(w), float32(h), panel)
		for i, l := range lines {
			t.text(pad, y0+pad+float32(i)*lh, l, colors[i])
		}
	}
	return t.v
}
