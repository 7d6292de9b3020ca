package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestQARobustEstimator: --estimator robust writes label confidences into questions.jsonl,
// --min-confidence drops the unsure ones (counted as low_confidence) and the audit writes
// its agreement-against-yield table and chart; the reference run carries no confidence.
func TestQARobustEstimator(t *testing.T) {
	t.Parallel()
	scenes := qaScenes(t)
	ref, rob := t.TempDir(), t.TempDir()
	if code, _, stderr := runCmd(append([]string{"qa", "--device", "cpu", "--audit", "--per-video", "30", "--out", ref}, scenes...)...); code != 0 {
		t.Fatalf("reference: exit %d: %s", code, stderr)
	}
	if strings.Contains(string(readFile(t, filepath.Join(ref, "questions.jsonl"))), `"confidence"`) {
		t.Error("reference questions carry a confidence")
	}
	code, stdout, stderr := runCmd(append([]string{"qa", "--device", "cpu", "--audit", "--per-video", "30", "--estimator", "robust", "--min-confidence", "0.9", "--out", rob}, scenes...)...)
	if code != 0 {
		t.Fatalf("robust: exit %d: %s", code, stderr)
	}
	q := string(readFile(t, filepath.Join(rob, "questions.jsonl")))
	if !strings.Contains(q, `"confidence":`) {
		t.Errorf("robust questions carry no confidence:\n%.500s", q)
	}
	if !strings.Contains(stdout, "low_confidence") {
		t.Errorf("no question dropped for low confidence:\n%s", stdout)
	}
	y := string(readFile(t, filepath.Join(rob, "audit_yield.md")))
	if !strings.Contains(y, "| 0.90 |") || len(readFile(t, filepath.Join(rob, "audit_yield.png"))) == 0 {
		t.Errorf("audit_yield.md:\n%s", y)
	}
}

func TestQAEstimatorUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"qa", "--estimator", "best"},
		{"qa", "--estimator", "robust:window=x"},
		{"qa", "--min-confidence", "0.5"}, // the reference measures no confidence
		{"qa", "--estimator", "robust", "--min-confidence", "1.5"},
	} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
