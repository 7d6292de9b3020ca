package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// progress draws a bar on stderr when it is a terminal and there is more than one step; else
// (a log file, a Kubernetes pod) it logs every tenth of a long run.
type progress struct {
	w      io.Writer
	total  int
	unit   string
	on     bool
	logged int // tenths logged
}

func newProgress(w io.Writer, total int, unit string) *progress {
	on := false
	if f, ok := w.(*os.File); ok && total > 1 {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, total: total, unit: unit, on: on}
}

func (p *progress) step(n int) {
	if !p.on {
		if p.total >= 20 && 10*n/p.total > p.logged {
			p.logged = 10 * n / p.total
			slog.Info("progress", p.unit, n, "total", p.total)
		}
		return
	}
	const width = 30
	fill := width * n / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %s", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), n, p.total, p.unit)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
