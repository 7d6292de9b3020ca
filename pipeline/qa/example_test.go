package qa_test

import (
	"fmt"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/pipeline/qa"
)

func ExampleDescribeDistRuns() {
	s, _ := qa.DescribeDistRuns([]float64{1, 1.1, 1.5, 2.2, 2.2})
	fmt.Println(s)
	_, err := qa.DescribeDistRuns([]float64{0, 1, 2}) // 1/0: the reference raises and drops the question
	fmt.Println(err)
	// Output:
	// (1) Keep nearly constant and then become larger. (2) Become larger. (3) Keep nearly constant.
	// qa: numpy RuntimeWarning (division by zero)
}

func ExampleDescribeDir() {
	s, _ := qa.DescribeDir([]r3.Vec{{X: 1, Y: 0.5}, {X: 1, Y: 0.6}, {X: -1, Z: -1}})
	fmt.Println(s)
	// Output:
	// (1) Front|Left. (2) Behind|Below.
}

func ExampleDescribeSpdComp() {
	s, _ := qa.DescribeSpdComp([]float64{1, 1, 1}, []float64{2, 2, 2})
	fmt.Println(s)
	// Output:
	// The latter is always faster.
}

func ExampleAnswer() {
	// A rel_spd series: the object's position per frame in the viewpoint frame.
	s := qa.Series{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {4, 0, 0}, {6, 0, 0}}
	a, _ := qa.Answer("rel_spd", s)
	fmt.Println(a)
	// Output:
	// (1) Keep nearly constant and then become larger. (2) Keep nearly constant.
}
