package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// orientRecord is one Orient Anything result in a list: either named angles or
// "angles": [azimuth, polar, rotation, confidence] (the order get_3angle returns).
type orientRecord struct {
	ID         *int      `json:"id"`
	ObjectID   *int      `json:"object_id"`
	Frame      *int      `json:"frame"`
	Azimuth    *float64  `json:"azimuth"`
	Polar      *float64  `json:"polar"`
	Rotation   *float64  `json:"rotation"`
	Confidence *float64  `json:"confidence"`
	Angles     []float64 `json:"angles"`
}

// Orientations reads Orient Anything results from a JSON file in either layout:
//   - orient.json's own: {"<id>": [{"frame", "azimuth", "polar", "rotation", "confidence"}, ...]};
//   - a list of records [{"id" (or "object_id"), "frame", "azimuth", "polar", "rotation",
//     "confidence"}, ...], where the four numbers may instead be "angles": [az, po, ro, conf].
func Orientations(path string) (map[int][]scene.Orientation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '{' {
		o, err := scene.ParseOrient(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return o, nil
	}
	var recs []orientRecord
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("%s: %v; want an object keyed by id or a list of records", path, err)
	}
	out := map[int][]scene.Orientation{}
	for i, r := range recs {
		id := r.ID
		if id == nil {
			id = r.ObjectID
		}
		if id == nil {
			return nil, fmt.Errorf("%s: [%d]: missing field \"id\" (or \"object_id\")", path, i)
		}
		if r.Frame == nil {
			return nil, fmt.Errorf("%s: [%d]: missing field \"frame\"", path, i)
		}
		o := scene.Orientation{Frame: *r.Frame}
		switch {
		case r.Angles != nil:
			if len(r.Angles) != 4 {
				return nil, fmt.Errorf("%s: [%d].angles: %d values, want [azimuth, polar, rotation, confidence]", path, i, len(r.Angles))
			}
			o.Azimuth, o.Polar, o.Rotation, o.Confidence = r.Angles[0], r.Angles[1], r.Angles[2], r.Angles[3]
		default:
			for _, f := range []struct {
				name string
				v    *float64
				dst  *float64
			}{{"azimuth", r.Azimuth, &o.Azimuth}, {"polar", r.Polar, &o.Polar}, {"rotation", r.Rotation, &o.Rotation}, {"confidence", r.Confidence, &o.Confidence}} {
				if f.v == nil {
					return nil, fmt.Errorf("%s: [%d]: missing field %q (or \"angles\")", path, i, f.name)
				}
				*f.dst = *f.v
			}
		}
		out[*id] = append(out[*id], o)
	}
	for id := range out {
		slices.SortStableFunc(out[id], func(a, b scene.Orientation) int { return a.Frame - b.Frame })
	}
	return out, nil
}
