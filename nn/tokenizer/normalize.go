package tokenizer

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// nfc is Unicode NFC, as tokenizer.json's NFC normaliser. golang.org/x/text/unicode/norm
// (v0.34) looks compositions up by the low 16 bits of both runes (forminfo.go, combine), so a
// supplementary starter composes with a following mark as if it were the BMP rune with the
// same low bits: U+F0070 U+0307 becomes ṗ (U+1E57), U+20041 U+0301 becomes Á. nfc avoids the
// bug by cutting the text before every supplementary starter that takes part in no
// composition — NFC never composes across such a rune, so the pieces normalise
// independently — and emitting that rune (or its singleton decomposition) by itself.
func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	var b strings.Builder
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r > 0xFFFF && !composes[r] && norm.NFC.PropertiesString(s[i:]).CCC() == 0 {
			b.WriteString(norm.NFC.String(s[start:i]))
			b.WriteString(norm.NFC.String(s[i : i+n]))
			start = i + n
		}
		i += n
	}
	if start == 0 {
		return norm.NFC.String(s)
	}
	b.WriteString(norm.NFC.String(s[start:]))
	return b.String()
}

// composes are the supplementary starters that occur in canonical compositions (Unicode
// 15.0, the version of x/text's tables): Kaithi, Chakma, Grantha, Tirhuta, Siddham and Dives
// Akuru vowel signs and the letters they attach to. x/text's truncated keys still find
// their compositions, so they are left in the pieces.
var composes = map[rune]bool{
	0x11099: true, 0x1109B: true, 0x110A5: true, // Kaithi
	0x11127: true, 0x11131: true, 0x11132: true, // Chakma
	0x11347: true, 0x1133E: true, 0x11357: true, // Grantha
	0x114B9: true, 0x114B0: true, 0x114BA: true, 0x114BD: true, // Tirhuta
	0x115B8: true, 0x115B9: true, 0x115AF: true, // Siddham
	0x11935: true, 0x11930: true, // Dives Akuru
}
