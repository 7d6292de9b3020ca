package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// PaperRow is one row of a comparison table: a model's DSR-Bench accuracies in percent.
// Types maps a type name to its accuracy; a type that is absent is unknown (shown as "—").
type PaperRow struct {
	Model string             `json:"model"`
	Avg   float64            `json:"avg"`
	Types map[string]float64 `json:"types,omitempty"`
	Note  string             `json:"note,omitempty"`
}

// PaperSource says where PaperTable4 comes from and what it lacks.
const PaperSource = "Zhou et al., \"Learning to Reason in 4D: Dynamic Spatial Understanding for " +
	"Vision Language Models\", arXiv 2512.20557, Table 4. Only the Avg of these two rows could be " +
	"sourced exactly (the paper's per-type cells and its other rows are not built in)."

// PaperTable4 holds the rows of the paper's Table 4 that could be sourced exactly: the Avg
// (question-weighted accuracy on DSR-Bench, in percent) of Qwen2.5-VL-7B before and after training
// on DSR-Train (50K) with the Geometry Selection Module.
var PaperTable4 = []PaperRow{
	{Model: "Qwen2.5-VL-7B", Avg: 23.5, Note: "base model, paper Table 4"},
	{Model: "Qwen2.5-VL-7B + GSM (DSR-Train 50K)", Avg: 58.9, Note: "paper Table 4"},
}

// ReadPaperRows reads comparison rows from a JSON file: a list of
// {"model": ..., "avg": percent, "types": {"rel_dis": percent, ...}, "note": ...}.
func ReadPaperRows(path string) ([]PaperRow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []PaperRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("%s: want a JSON list of {model, avg, types, note}: %v", path, err)
	}
	for i, r := range rows {
		if r.Model == "" {
			return nil, fmt.Errorf("%s: row %d: field model: missing", path, i)
		}
		bad := func(v float64) bool { return math.IsNaN(v) || v < 0 || v > 100 }
		if bad(r.Avg) {
			return nil, fmt.Errorf("%s: row %d: field avg: %v is not a percentage", path, i, r.Avg)
		}
		for t, v := range r.Types {
			if bad(v) {
				return nil, fmt.Errorf("%s: row %d: field types.%s: %v is not a percentage", path, i, t, v)
			}
		}
	}
	return rows, nil
}
