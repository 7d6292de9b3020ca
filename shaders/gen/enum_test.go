package main

import (
	"strings"
	"testing"
)

func TestParseEnums(t *testing.T) {
	spec := []specConstant{{id: 1, name: "OP", typ: "uint32"}, {id: 2, name: "VEC4", typ: "bool"}}
	got, err := parseEnums("x.comp", "layout(constant_id = 1) const uint OP = 0;\n// enum OP: Add = 0, Mul = 1, Scale = 2\n", spec)
	if err != nil {
		t.Fatal(err)
	}
	if want := []enumValue{{"Add", 0}, {"Mul", 1}, {"Scale", 2}}; len(got["OP"]) != 3 || got["OP"][2] != want[2] {
		t.Fatalf("got %v, want %v", got["OP"], want)
	}
	for _, tc := range []struct{ text, err string }{
		{"// enum OP Add = 0", "want `// enum NAME"},
		{"// enum NOPE: Add = 0", "names no uint specialisation constant"},
		{"// enum VEC4: On = 1", "names no uint specialisation constant"},
		{"// enum OP: Add = 0, Mul = 0", "bad or repeated item"},
		{"// enum OP: add = 0", "bad or repeated item"},
		{"// enum OP: Add = x", "bad or repeated item"},
		{"// enum OP: Add = 0\n// enum OP: Mul = 1", "declared twice"},
	} {
		_, err := parseEnums("x.comp", tc.text, spec)
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "x.comp:") {
			t.Errorf("%q: err = %v, want %q with the line", tc.text, err, tc.err)
		}
	}
}
