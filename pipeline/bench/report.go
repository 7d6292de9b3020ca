package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// Report file names inside the output directory.
const (
	FileMarkdown = "report.md"
	FileJSON     = "report.json"
	FileResults  = "results.jsonl"
	FilePerType  = "per_type.png"
	FileCompare  = "compare.png"
)

func pct(f float64) string {
	if math.IsNaN(f) {
		return "—"
	}
	return fmt.Sprintf("%.1f", 100*f)
}

func accRow(name string, a Acc) string {
	if a.N == 0 {
		return fmt.Sprintf("| %s | 0 | 0 | — | — |\n", name)
	}
	return fmt.Sprintf("| %s | %d | %d | %s | %s–%s |\n", name, a.N, a.Correct, pct(a.Accuracy), pct(a.Low), pct(a.High))
}

// WriteMarkdown writes r as a Markdown report. Accuracies are percentages with one decimal, as in
// the paper; intervals are Wilson 95%. charts says whether the PNG files sit beside the report.
func (r *Report) WriteMarkdown(w io.Writer, charts bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# DSR-Bench evaluation: %s\n\n", r.Model)
	fmt.Fprintf(&b, "Bench `%s` (%s), %d questions. Letters are read with Video-MME's "+
		"`extract_characters_regex` and VLMEvalKit's option fallback in **%s** mode.\n\n",
		r.Bench, r.Format, r.Questions, r.Fallback)
	b.WriteString("## Summary\n\n| subset | n | correct | accuracy (%) | 95% CI (%) |\n|---|---:|---:|---:|---:|\n")
	b.WriteString(accRow("**overall (Avg)**", r.Overall))
	b.WriteString(accRow("template", r.Template))
	b.WriteString(accRow("non-template", r.NonTemplate))
	b.WriteString(accRow("absolute viewpoint", r.Absolute))
	b.WriteString(accRow("relative viewpoint", r.Relative))
	b.WriteString("\n## Per type\n\n| type | n | correct | accuracy (%) | 95% CI (%) |\n|---|---:|---:|---:|---:|\n")
	for _, g := range r.Types {
		b.WriteString(accRow("`"+g.Name+"`", g.Acc))
	}
	if len(r.UnknownTypes) > 0 {
		fmt.Fprintf(&b, "\nTypes outside the 13 (counted as non-template): %s.\n", strings.Join(r.UnknownTypes, ", "))
	}
	if len(r.Classes) > 0 {
		b.WriteString("\n## Per scene class\n\n| class | n | correct | accuracy (%) | 95% CI (%) |\n|---|---:|---:|---:|---:|\n")
		for _, g := range r.Classes {
			b.WriteString(accRow(g.Name, g.Acc))
		}
	}
	e := r.Extraction
	b.WriteString("\n## Answer extraction\n\n| method | replies |\n|---|---:|\n")
	fmt.Fprintf(&b, "| regex | %d |\n| option fallback | %d |\n| unparsed | %d |\n", e.Regex, e.Fallback, e.Unparsed)
	if len(e.Notes) > 0 {
		notes := make([]string, 0, len(e.Notes))
		for n, c := range e.Notes {
			notes = append(notes, fmt.Sprintf("%s %d", n, c))
		}
		sort.Strings(notes)
		fmt.Fprintf(&b, "\nUnparsed replies (scored wrong, recorded as \"Z\" by the reference): %s.\n", strings.Join(notes, ", "))
	}
	if e.OptionsFallback != nil && *e.OptionsFallback > 0 {
		fmt.Fprintf(&b, "\nWith `--fallback options` (SPEC-QA's option-text fallback) %d of them would be read, %d correctly.\n",
			*e.OptionsFallback, *e.OptionsFallbackCorrect)
	}
	b.WriteString("\n| letter | predicted | answer key |\n|---|---:|---:|\n")
	for _, l := range append(Letters[:], "unparsed") {
		fmt.Fprintf(&b, "| %s | %d | %d |\n", l, r.Predicted[l], r.Answers[l])
	}
	if len(r.Paper) > 0 {
		b.WriteString("\n## Comparison\n\n| model | Avg |")
		for _, t := range Types {
			fmt.Fprintf(&b, " %s |", t)
		}
		b.WriteString("\n|---|---:|" + strings.Repeat("---:|", len(Types)) + "\n")
		fmt.Fprintf(&b, "| **%s** (this run) | %s |", r.Model, pct(r.Overall.Accuracy))
		for _, g := range r.Types[:len(Types)] {
			fmt.Fprintf(&b, " %s |", pct(g.Accuracy))
		}
		b.WriteString("\n")
		for _, p := range r.Paper {
			fmt.Fprintf(&b, "| %s | %.1f |", p.Model, p.Avg)
			for _, t := range Types {
				if v, ok := p.Types[t]; ok {
					fmt.Fprintf(&b, " %.1f |", v)
				} else {
					b.WriteString(" — |")
				}
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\nPaper rows: %s\n", PaperSource)
	}
	if charts {
		fmt.Fprintf(&b, "\n## Charts\n\n![accuracy per type](%s)\n\n![model vs baselines](%s)\n", FilePerType, FileCompare)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes r (without the per-question results) as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteResults writes one JSON line per question: id, type, answer, raw reply, letter, method,
// correct.
func (r *Report) WriteResults(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range r.Results {
		if err := enc.Encode(&r.Results[i]); err != nil {
			return err
		}
	}
	return nil
}

// WriteDir writes the report into dir (created if needed): report.md, report.json,
// results.jsonl, per_type.png and compare.png. Everything is rendered in memory first and each
// file is written to a temporary file in dir and renamed, so a failure leaves no partial file.
func (r *Report) WriteDir(dir string) error {
	files := map[string][]byte{}
	var md, js, res bytes.Buffer
	if err := r.WriteMarkdown(&md, true); err != nil {
		return err
	}
	if err := r.WriteJSON(&js); err != nil {
		return err
	}
	if err := r.WriteResults(&res); err != nil {
		return err
	}
	files[FileMarkdown], files[FileJSON], files[FileResults] = md.Bytes(), js.Bytes(), res.Bytes()
	var err error
	if files[FilePerType], err = PerTypeChart(r); err != nil {
		return fmt.Errorf("bench: per-type chart: %w", err)
	}
	if files[FileCompare], err = CompareChart(r, r.Paper); err != nil {
		return fmt.Errorf("bench: comparison chart: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := atomicfile.Write(filepath.Join(dir, n), files[n]); err != nil {
			return err
		}
	}
	return nil
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and renames it to path.
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }
