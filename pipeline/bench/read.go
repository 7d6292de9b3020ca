package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/dsr4d/dsr4d/pipeline/questions"
)

// Format is the layout of a bench table file.
type Format string

// Bench table formats.
const (
	// FormatAuto picks the format from the extension (.parquet, .jsonl/.ndjson, .json) and, for
	// other names, from the content (parquet magic, or JSONL).
	FormatAuto Format = "auto"
	// FormatJSONL is one JSON object per line with SPEC-QA §6's bench columns.
	FormatJSONL Format = "jsonl"
	// FormatParquet is DSR-Bench's benchmark.parquet layout: the same columns, options a list.
	FormatParquet Format = "parquet"
	// FormatQAPairs is the reference's qa_pairs.json: {videoID: [{Type, Question, A..D, Correct}]}.
	FormatQAPairs Format = "qa_pairs"
)

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, bool) {
	switch f := Format(s); f {
	case FormatAuto, FormatJSONL, FormatParquet, FormatQAPairs:
		return f, true
	}
	return "", false
}

// maxLine bounds one JSONL line; a longer line is an error, not an allocation.
const maxLine = 256 << 20

// ReadOptions controls ReadBench.
type ReadOptions struct {
	Format Format // "" means FormatAuto
	// ReplyColumn, when set, names a column (JSONL key) holding each question's model reply; it is
	// read into Bench.Replies. A missing or null cell is an empty reply. Not for qa_pairs.json.
	ReplyColumn string
}

// classKeys are the column names read as a scene class, first present wins.
var classKeys = []string{"scene_class", "video_class", "class"}

// ReadBench reads a bench table. Every question must have a video id, a question, exactly four
// options, an answer letter A–D and a type (qa_pairs.json rows without "Type" are non_temp, as the
// reference's qa_nontemp.py writes them); ids must be unique. Errors name the file, the line (or
// parquet row) and the field.
func ReadBench(path string, opt ReadOptions) (*Bench, error) {
	format := opt.Format
	if format == "" || format == FormatAuto {
		var err error
		if format, err = detectFormat(path); err != nil {
			return nil, err
		}
	}
	if format == FormatQAPairs && opt.ReplyColumn != "" {
		return nil, fmt.Errorf("%s: qa_pairs.json has no reply column (%q)", path, opt.ReplyColumn)
	}
	b := &Bench{Path: path, Format: format}
	var err error
	switch format {
	case FormatJSONL:
		err = readJSONLBench(b, opt.ReplyColumn)
	case FormatParquet:
		err = readParquetBench(b, opt.ReplyColumn)
	case FormatQAPairs:
		err = readQAPairs(b)
	default:
		err = fmt.Errorf("%s: unknown bench format %q", path, format)
	}
	if err != nil {
		return nil, err
	}
	if len(b.Questions) == 0 {
		return nil, fmt.Errorf("%s: no questions", path)
	}
	seen := make(map[string]string, len(b.Questions))
	for i := range b.Questions {
		q := &b.Questions[i]
		if first, dup := seen[q.ID]; dup {
			return nil, fmt.Errorf("%s: field id: duplicate id %q (first at %s)", q.Loc, q.ID, first)
		}
		seen[q.ID] = q.Loc
		if q.Class != "" {
			b.HasClass = true
		}
	}
	return b, nil
}

func detectFormat(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return FormatParquet, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	case ".json":
		return FormatQAPairs, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if n == 4 && string(head) == "PAR1" {
		return FormatParquet, nil
	}
	return FormatJSONL, nil
}

// forEachLine calls fn with each non-blank line of path (1-based line numbers, no line ending).
func forEachLine(path string, fn func(line int, text []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var buf []byte
	for line := 1; ; line++ {
		buf = buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = r.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > maxLine {
				return fmt.Errorf("%s:%d: line longer than %d bytes", path, line, maxLine)
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		text := bytes.TrimRight(buf, "\r\n")
		if len(bytes.TrimSpace(text)) > 0 {
			if ferr := fn(line, text); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// fieldError is an error about one field of one row.
func fieldError(loc, field, format string, args ...any) error {
	return fmt.Errorf("%s: field %s: %s", loc, field, fmt.Sprintf(format, args...))
}

// jsonObject decodes one JSONL line into its fields.
func jsonObject(loc string, text []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(text, &m); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON object: %v", loc, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: invalid JSON object: null", loc)
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool { return raw == nil || string(bytes.TrimSpace(raw)) == "null" }

func jsonString(loc, field string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldError(loc, field, "want a string, got %s", abbrev(raw))
	}
	return s, nil
}

// jsonID reads an id cell: a string, or an integer written in decimal.
func jsonID(loc, field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		s, err := jsonString(loc, field, raw)
		if err == nil && s == "" {
			err = fieldError(loc, field, "empty id")
		}
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return strconv.FormatInt(i, 10), nil
		}
	}
	return "", fieldError(loc, field, "want a string or an integer, got %s", abbrev(raw))
}

// jsonReply reads a reply cell: a string (bytes that are not UTF-8 are flagged), or null (empty).
func jsonReply(loc, field string, raw json.RawMessage) (Reply, error) {
	if isNull(raw) {
		return Reply{}, nil
	}
	s, err := jsonString(loc, field, raw)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: s, NonUTF8: !utf8.Valid(raw)}, nil
}

func abbrev(raw []byte) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	if s == "" {
		s = "nothing"
	}
	return s
}

// normalizeLetter accepts "B", " B ", "B." or "(B)" as the letter B.
func normalizeLetter(s string) (string, bool) {
	s = strings.Trim(strings.TrimSpace(s), "().")
	for _, l := range Letters {
		if s == l {
			return l, true
		}
	}
	return "", false
}

// rowFields is one table row before validation; every format fills it.
type rowFields struct {
	id, index, videoID, question, answer, typ, class string
	hasID, hasIndex                                  bool
	options                                          []string
	hasOptions                                       bool
}

// finish validates r and appends the question.
func (b *Bench) finish(loc string, r rowFields) error {
	q := Question{Row: len(b.Questions), Loc: loc, VideoID: r.videoID, Question: r.question,
		Type: strings.TrimSpace(r.typ), Class: r.class}
	switch {
	case r.hasID:
		q.ID = r.id
	case r.hasIndex:
		q.ID = r.index
	default:
		q.ID = strconv.Itoa(q.Row)
	}
	switch {
	case r.videoID == "":
		return fieldError(loc, questions.ColVideoID, "missing or empty")
	case r.question == "":
		return fieldError(loc, questions.ColQuestion, "missing or empty")
	case !r.hasOptions:
		return fieldError(loc, questions.ColOptions, "missing")
	case len(r.options) != 4:
		return fieldError(loc, questions.ColOptions, "want 4 options, got %d", len(r.options))
	case q.Type == "":
		return fieldError(loc, questions.ColType, "missing or empty")
	}
	l, ok := normalizeLetter(r.answer)
	if !ok {
		return fieldError(loc, questions.ColAnswer, "want a letter A–D, got %q", r.answer)
	}
	q.Answer = l
	q.Options = r.options
	b.Questions = append(b.Questions, q)
	return nil
}

func readJSONLBench(b *Bench, replyColumn string) error {
	seen := false // the reply column is a key of some row (as a parquet column must exist)
	err := forEachLine(b.Path, func(line int, text []byte) error {
		loc := fmt.Sprintf("%s:%d", b.Path, line)
		m, err := jsonObject(loc, text)
		if err != nil {
			return err
		}
		var r rowFields
		str := func(key string, dst *string, required bool) error {
			raw, ok := m[key]
			if !ok || isNull(raw) {
				if required {
					return fieldError(loc, key, "missing")
				}
				return nil
			}
			*dst, err = jsonString(loc, key, raw)
			return err
		}
		for _, f := range []struct {
			key string
			dst *string
		}{{questions.ColVideoID, &r.videoID}, {questions.ColQuestion, &r.question}, {questions.ColAnswer, &r.answer}, {questions.ColType, &r.typ}} {
			if err := str(f.key, f.dst, true); err != nil {
				return err
			}
		}
		for _, k := range classKeys {
			if raw, ok := m[k]; ok && !isNull(raw) {
				if err := str(k, &r.class, false); err != nil {
					return err
				}
				break
			}
		}
		if raw, ok := m["id"]; ok && !isNull(raw) {
			if r.id, err = jsonID(loc, "id", raw); err != nil {
				return err
			}
			r.hasID = true
		}
		if raw, ok := m["index"]; ok && !isNull(raw) {
			if r.index, err = jsonID(loc, "index", raw); err != nil {
				return err
			}
			r.hasIndex = true
		}
		if raw, ok := m[questions.ColOptions]; ok && !isNull(raw) {
			if err := json.Unmarshal(raw, &r.options); err != nil {
				return fieldError(loc, questions.ColOptions, "want a list of strings, got %s", abbrev(raw))
			}
			r.hasOptions = true
		}
		if err := b.finish(loc, r); err != nil {
			return err
		}
		if replyColumn != "" {
			raw, ok := m[replyColumn]
			seen = seen || ok
			rep, err := jsonReply(loc, replyColumn, raw)
			if err != nil {
				return err
			}
			b.Replies = append(b.Replies, rep)
		}
		return nil
	})
	if err == nil && replyColumn != "" && !seen && len(b.Questions) > 0 {
		return fmt.Errorf("%s: field %s: no such column (no row has the key)", b.Path, replyColumn)
	}
	return err
}

func readQAPairs(b *Bench) error {
	data, err := os.ReadFile(b.Path)
	if err != nil {
		return err
	}
	lineAt := func(off int64) int {
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
			off++
		}
		return 1 + bytes.Count(data[:off], []byte("\n"))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(off int64, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", b.Path, lineAt(off), fmt.Sprintf(format, args...))
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail(0, "want a JSON object {videoID: [questions]}")
	}
	seen := map[string]bool{}
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return fail(off, "invalid JSON: %v", err)
		}
		video := tok.(string) // object keys are strings
		if seen[video] {
			// Python's json.load would keep only the last list: neither reading is safe.
			return fail(off, "video %q appears twice (a JSON object's keys must be unique)", video)
		}
		seen[video] = true
		off = dec.InputOffset()
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return fail(off, "video %q: want a list of questions", video)
		}
		for k := 0; dec.More(); k++ {
			off := dec.InputOffset()
			loc := fmt.Sprintf("%s:%d", b.Path, lineAt(off))
			var m map[string]json.RawMessage
			if err := dec.Decode(&m); err != nil || m == nil {
				return fmt.Errorf("%s: video %q question %d: want a JSON object", loc, video, k)
			}
			r := rowFields{videoID: video, typ: NonTemplateType, hasOptions: true}
			for _, f := range []struct {
				key string
				dst *string
			}{{"Question", &r.question}, {"Correct", &r.answer}, {"Type", &r.typ}} {
				raw, ok := m[f.key]
				if !ok || isNull(raw) {
					if f.key == "Type" {
						continue
					}
					return fieldError(loc, f.key, "missing")
				}
				if *f.dst, err = jsonString(loc, f.key, raw); err != nil {
					return err
				}
			}
			for _, l := range Letters {
				raw, ok := m[l]
				if !ok || isNull(raw) {
					return fieldError(loc, l, "missing")
				}
				s, err := jsonString(loc, l, raw)
				if err != nil {
					return err
				}
				r.options = append(r.options, l+". "+s)
			}
			if err := b.finish(loc, r); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail(dec.InputOffset(), "invalid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(dec.InputOffset(), "invalid JSON: %v", err)
	}
	return nil
}

// readParquetBench reads the columns by name from the file's own schema: scalar columns
// (videoID, question, answer, type, id, index, a scene class, the reply column) and the list column
// options, whatever its inner field names ("element", "item"). Other columns are ignored.
func readParquetBench(b *Bench, replyColumn string) (err error) {
	f, err := os.Open(b.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	defer func() {
		// parquet-go panics on some corrupt inputs; a bad file is an error, not a crash.
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: corrupt parquet file: %v", b.Path, p)
		}
	}()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", b.Path, err)
	}
	cols := pf.Schema().Columns()
	top := make([]string, len(cols))
	for i, c := range cols {
		top[i] = c[0]
	}
	has := func(name string) bool {
		for _, t := range top {
			if t == name {
				return true
			}
		}
		return false
	}
	for _, name := range []string{questions.ColVideoID, questions.ColQuestion, questions.ColOptions, questions.ColAnswer, questions.ColType} {
		if !has(name) {
			return fmt.Errorf("%s: field %s: no such column", b.Path, name)
		}
	}
	if replyColumn != "" && !has(replyColumn) {
		return fmt.Errorf("%s: field %s: no such column", b.Path, replyColumn)
	}
	classKey := ""
	for _, k := range classKeys {
		if has(k) {
			classKey = k
			break
		}
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	rows := make([]parquet.Row, 64)
	for n := 0; ; {
		k, rerr := r.ReadRows(rows)
		for _, row := range rows[:k] {
			loc := fmt.Sprintf("%s:row %d", b.Path, n)
			n++
			var rf rowFields
			var reply Reply
			seen := map[string]bool{}
			for _, v := range row {
				name := top[v.Column()]
				if name == "options" {
					rf.hasOptions = true
					if !v.IsNull() {
						rf.options = append(rf.options, parquetString(v))
					}
					continue
				}
				if seen[name] {
					if name == "videoID" || name == "question" || name == "answer" || name == "type" ||
						name == "id" || name == "index" || name == classKey || name == replyColumn {
						return fieldError(loc, name, "want a single value, got a list or group")
					}
					continue
				}
				seen[name] = true
				if v.IsNull() {
					continue
				}
				s := parquetString(v)
				switch name {
				case "videoID":
					rf.videoID = s
				case "question":
					rf.question = s
				case "answer":
					rf.answer = s
				case "type":
					rf.typ = s
				case "id":
					rf.id, rf.hasID = s, s != ""
				case "index":
					rf.index, rf.hasIndex = s, s != ""
				case classKey:
					rf.class = s
				}
				if name == replyColumn {
					reply = Reply{Text: strings.ToValidUTF8(s, "\uFFFD"), NonUTF8: !utf8.ValidString(s)}
				}
			}
			if err := b.finish(loc, rf); err != nil {
				return err
			}
			if replyColumn != "" {
				b.Replies = append(b.Replies, reply)
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("%s: row %d: %w", b.Path, n, rerr)
		}
	}
}

func parquetString(v parquet.Value) string {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	}
	return v.String()
}
