package qa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/parquet-go/parquet-go"
)

// Output formats (Write).
const (
	FormatQAPairs = "qa_pairs" // qa_pairs.json, the reference's layout
	FormatTrain   = "train"    // LLaVA-style training JSON
	FormatBench   = "bench"    // bench table JSONL (SPEC-QA §6)
	FormatParquet = "parquet"  // bench table parquet (DSR-Bench's benchmark.parquet columns)
	FormatDSR4D   = "dsr4d"    // dsr4d JSONL with provenance
)

// Formats lists the output formats with their file names.
var Formats = []struct{ Name, File string }{
	{FormatQAPairs, "qa_pairs.json"},
	{FormatTrain, "train.json"},
	{FormatBench, "bench.jsonl"},
	{FormatParquet, "bench.parquet"},
	{FormatDSR4D, "questions.jsonl"},
}

// FileName returns the file a format is written to, or "" for an unknown format.
func FileName(format string) string {
	for _, f := range Formats {
		if f.Name == format {
			return f.File
		}
	}
	return ""
}

// marshal is json.Marshal without HTML escaping (Python's json.dumps leaves <, >, & alone).
func marshal(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		panic(err) // only strings, numbers and slices of them
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Videos groups questions by video id, ids sorted; each video's questions keep their order.
func Videos(qs []Question) (ids []string, by map[string][]Question) {
	by = map[string][]Question{}
	for _, q := range qs {
		if _, ok := by[q.VideoID]; !ok {
			ids = append(ids, q.VideoID)
		}
		by[q.VideoID] = append(by[q.VideoID], q)
	}
	sort.Strings(ids)
	return ids, by
}

// WriteQAPairs writes the reference's qa_pairs.json as its json.dump(..., indent=4,
// ensure_ascii=False) does, keys in its order: Type, Question, the three distractor letters
// in A–D order, the correct letter, Correct. videos lists every video processed (a video whose
// attempts all failed has an empty list), sorted.
func WriteQAPairs(w io.Writer, videos []string, qs []Question) error {
	_, by := Videos(qs)
	return WriteVideoLists(w, videos, func(id string) [][]Field {
		objs := make([][]Field, len(by[id]))
		for qi, q := range by[id] {
			f := []Field{{"Type", q.Type}, {"Question", q.Question}}
			for i, l := range []string{"A", "B", "C", "D"} {
				if l != q.Correct {
					f = append(f, Field{l, q.Options[i]})
				}
			}
			objs[qi] = append(f, Field{q.Correct, q.AnswerText()}, Field{"Correct", q.Correct})
		}
		return objs
	})
}

// Field is one key of an object WriteVideoLists writes, in the order given.
type Field struct {
	Key   string
	Value any
}

// WriteVideoLists writes {video: [{key: value, ...}, ...], ...} as Python's json.dump(obj,
// indent=4, ensure_ascii=False) does (the reference's qa_pairs files): videos in the given order,
// each with the objects objects(video) returns (an empty list prints as []).
func WriteVideoLists(w io.Writer, videos []string, objects func(video string) [][]Field) error {
	var b bytes.Buffer
	b.WriteString("{")
	for vi, id := range videos {
		if vi > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n    %s: [", marshal(id))
		objs := objects(id)
		for oi, fields := range objs {
			if oi > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n        {")
			for fi, f := range fields {
				if fi > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, "\n            %s: %s", marshal(f.Key), marshal(f.Value))
			}
			b.WriteString("\n        }")
		}
		if len(objs) > 0 {
			b.WriteString("\n    ]")
		} else {
			b.WriteString("]")
		}
	}
	if len(videos) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}")
	_, err := w.Write(b.Bytes())
	return err
}

type trainTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

type trainItem struct {
	Video         string      `json:"video"`
	Conversations []trainTurn `json:"conversations"`
}

// WriteTrain writes the LLaVA-style training JSON: a list of {"video": "<id>.mp4",
// "conversations": [human: "<video>\n{question}\nOptions:\nA {A}\n...", gpt: letter]}.
func WriteTrain(w io.Writer, qs []Question) error {
	items := make([]trainItem, 0, len(qs))
	for _, q := range qs {
		human := fmt.Sprintf("<video>\n%s\nOptions:\nA %s\nB %s\nC %s\nD %s", q.Question, q.Options[0], q.Options[1], q.Options[2], q.Options[3])
		items = append(items, trainItem{Video: q.VideoID + ".mp4", Conversations: []trainTurn{{"human", human}, {"gpt", q.Correct}}})
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(items); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// BenchRows converts questions to bench rows: options "A. text" .. "D. text".
func BenchRows(qs []Question) []BenchRow {
	rows := make([]BenchRow, len(qs))
	for i, q := range qs {
		opts := make([]string, 4)
		for k, l := range []string{"A", "B", "C", "D"} {
			opts[k] = l + ". " + q.Options[k]
		}
		rows[i] = BenchRow{VideoID: q.VideoID, Question: q.Question, Options: opts, Answer: q.Correct, Type: q.Type}
	}
	return rows
}

// WriteBenchJSONL writes the bench table as JSON lines.
func WriteBenchJSONL(w io.Writer, qs []Question) error {
	var b bytes.Buffer
	for _, r := range BenchRows(qs) {
		b.Write(marshal(r))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteBenchParquet writes the bench table as parquet (options a list column).
func WriteBenchParquet(w io.Writer, qs []Question) error {
	pw := parquet.NewGenericWriter[BenchRow](w)
	if _, err := pw.Write(BenchRows(qs)); err != nil {
		return fmt.Errorf("qa: parquet: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("qa: parquet: %w", err)
	}
	return nil
}

// WriteDSR4D writes dsr4d's JSONL: one question per line with its provenance (type,
// viewpoint, v, objects, frames, names, times, series, seed, attempt).
func WriteDSR4D(w io.Writer, qs []Question) error {
	var b bytes.Buffer
	for _, q := range qs {
		b.Write(marshal(q))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Write writes qs in format (one of Formats) to w; videos are the processed video ids (for
// qa_pairs.json).
func Write(w io.Writer, format string, videos []string, qs []Question) error {
	switch format {
	case FormatQAPairs:
		return WriteQAPairs(w, videos, qs)
	case FormatTrain:
		return WriteTrain(w, qs)
	case FormatBench:
		return WriteBenchJSONL(w, qs)
	case FormatParquet:
		return WriteBenchParquet(w, qs)
	case FormatDSR4D:
		return WriteDSR4D(w, qs)
	}
	return fmt.Errorf("qa: unknown format %q", format)
}
