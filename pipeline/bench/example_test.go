package bench_test

import (
	"fmt"

	"github.com/dsr4d/dsr4d/pipeline/bench"
)

func ExampleExtract() {
	q := &bench.Question{
		Question: "Between 1.0s and 4.0s, following the perspective of camera, how does the distance between dog and camera change?",
		Options:  []string{"A. Become larger.", "B. Become smaller.", "C. Keep nearly constant.", "D. Become larger|smaller."},
		Answer:   "C",
	}
	for _, reply := range []string{"The answer is C", "Best answer: C", "keep nearly constant", "I can't process this file."} {
		ref := bench.Extract(bench.Reply{Text: reply}, q, bench.FallbackReference)
		opt := bench.Extract(bench.Reply{Text: reply}, q, bench.FallbackOptions)
		fmt.Printf("%-28q reference %-8s %q   options %-8s %q\n", reply, ref.Method, ref.Letter, opt.Method, opt.Letter)
	}
	// Output:
	// "The answer is C"            reference regex    "C"   options regex    "C"
	// "Best answer: C"             reference regex    "B"   options regex    "B"
	// "keep nearly constant"       reference unparsed ""   options fallback "C"
	// "I can't process this file." reference unparsed ""   options unparsed ""
}

func ExampleWilson() {
	lo, hi := bench.Wilson(5, 10)
	fmt.Printf("5/10: %.4f–%.4f\n", lo, hi)
	a := bench.NewAcc(874, 1484)
	fmt.Printf("874/1484: %.1f%% (%.1f–%.1f)\n", 100*a.Accuracy, 100*a.Low, 100*a.High)
	// Output:
	// 5/10: 0.2366–0.7634
	// 874/1484: 58.9% (56.4–61.4)
}
