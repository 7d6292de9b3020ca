package bench

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxReplyChars is how much of a reply is read for a letter: its first 32,767 characters (Unicode
// code points), what the reference's round trip through a spreadsheet keeps (VLMEvalKit stores
// predictions in .xlsx, whose cells hold at most 32,767 characters); a longer reply is scored on
// that prefix, as the reference scores it.
const MaxReplyChars = 32767

// Method says how a letter was taken from a reply.
type Method string

// The three ways a reply can end.
const (
	// MethodRegex: Video-MME's extract_characters_regex found a capital A–D.
	MethodRegex Method = "regex"
	// MethodFallback: the regex found nothing and VLMEvalKit's can_infer matched the reply to one
	// option (an option text it contains, or the option letter as a token).
	MethodFallback Method = "fallback"
	// MethodUnparsed: neither found a letter. The reference records the prediction as "Z", which
	// never equals an answer, so an unparsed reply is always wrong.
	MethodUnparsed Method = "unparsed"
)

// FallbackMode chooses which option texts the option-text fallback sees.
type FallbackMode string

const (
	// FallbackReference does what DSR-Bench's scorer does. Its extract_option reads the options
	// from the lines after the first of the row's question text, and the scored row holds the bench
	// question alone (build_prompt appends the options to a copy), so for DSR-Bench questions the
	// fallback finds no options: it can only return "Z" (a refusal or a lone Z token) or nothing.
	FallbackReference FallbackMode = "reference"
	// FallbackOptions reads SPEC-QA §7 literally: the fallback sees the question with its four
	// option lines appended, exactly as the prompt shows them, so an option quoted in lower case
	// ("become smaller") is matched to its letter.
	FallbackOptions FallbackMode = "options"
)

// ParseFallbackMode returns the mode named s.
func ParseFallbackMode(s string) (FallbackMode, bool) {
	switch FallbackMode(s) {
	case FallbackReference, FallbackOptions:
		return FallbackMode(s), true
	}
	return "", false
}

// Reply is one model answer as read from a file.
type Reply struct {
	Text string
	// NonUTF8 is set when the bytes of the reply were not valid UTF-8; Text then holds them with
	// each invalid byte replaced by U+FFFD.
	NonUTF8 bool
}

// Extraction is the outcome of reading a letter from a reply.
type Extraction struct {
	Letter string // "A".."D", or "" when unparsed
	Method Method
	Note   string // why a reply is unparsed: "empty", "non-UTF-8", "too long", "refusal", "no letter"
}

// answerPrefixes is extract_characters_regex's prefix list as Python evaluates it: two missing
// commas in the source concatenate adjacent literals, so "The best option is" + "The correct option
// is" and "Best answer:" + "Best option:" are single entries. A reply "Best answer: C" therefore
// keeps its "Best" and scores B.
var answerPrefixes = []string{
	"The best answer is",
	"The correct answer is",
	"The answer is",
	"The answer",
	"The best option isThe correct option is",
	"Best answer:Best option:",
	"Answer:",
	"Option:",
}

// ExtractCharactersRegex is Video-MME's extract_characters_regex as shipped in the DSR Suite copy of
// VLMEvalKit: strip the reply, delete every occurrence of each prefix of answerPrefixes in order,
// then return "" for a reply of more than 10 whitespace-separated words without a capital A–D, and
// otherwise the first character in [ABCD] (case-sensitive), or "" when there is none. Whitespace
// is Python's (str.isspace), which includes U+001C–U+001F.
func ExtractCharactersRegex(s string) string {
	s = strings.TrimFunc(s, pyIsSpace)
	for _, p := range answerPrefixes {
		s = strings.ReplaceAll(s, p, "")
	}
	i := strings.IndexAny(s, "ABCD")
	if len(strings.FieldsFunc(s, pyIsSpace)) > 10 && i < 0 {
		return ""
	}
	if i < 0 {
		return ""
	}
	return s[i : i+1]
}

// Choice is one option as VLMEvalKit's build_choices sees it: a capital letter and its text.
type Choice struct {
	Letter string
	Text   string
}

// ExtractOptionChoices parses options the way VLMEvalKit's Video-MME extract_option does: the lines
// of question after the first (split on "\n" only) are options A, B, C, ... in order; a line that
// contains its own "X." takes the text after the first "X.", with '.', ' ' and '\n' stripped from
// both ends; a line without its "X." defines no option. Only letters A–Z count.
func ExtractOptionChoices(question string) []Choice {
	lines := strings.Split(question, "\n")[1:]
	var out []Choice
	for i, line := range lines {
		if i >= 26 {
			break // chr(ord('A')+26) is '[': build_choices ignores it
		}
		id := string(rune('A'+i)) + "."
		j := strings.Index(line, id)
		if j < 0 {
			continue
		}
		out = append(out, Choice{Letter: id[:1], Text: strings.Trim(line[j+len(id):], ". \n")})
	}
	return out
}

// refusals are can_infer_option's reject_to_answer strings; a reply containing one infers "Z".
var refusals = []string{
	"Sorry, I can't help with images of people yet.",
	"I can't process this file.",
	"I'm sorry, but without the image provided",
	"Cannot determine the answer",
}

// CanInfer is VLMEvalKit's can_infer(answer, choices): can_infer_option, then can_infer_text.
// It returns the inferred letter, "Z" for a refusal or a lone "Z" token, or "" for Python's False.
// (The reference's VERBOSE environment switch, which rejects some lone "A" tokens, is not
// reproduced: it is off by default.)
func CanInfer(answer string, choices []Choice) string {
	if c := canInferOption(answer, choices); c != "" {
		return c
	}
	return canInferText(answer, choices)
}

func canInferOption(answer string, choices []Choice) string {
	if strings.Contains(answer, "Failed to obtain answer via API") {
		return ""
	}
	for _, r := range refusals {
		if strings.Contains(answer, r) {
			return "Z"
		}
	}
	mod := strings.Map(func(r rune) rune {
		if strings.ContainsRune(".()[],:;!*#{}", r) {
			return ' '
		}
		return r
	}, answer)
	splits := strings.FieldsFunc(mod, pyIsSpace)
	index := func(tok string) int {
		for i, s := range splits {
			if s == tok {
				return i
			}
		}
		return -1
	}
	count := 0
	for _, c := range choices {
		if index(c.Letter) >= 0 {
			count++
		}
	}
	switch {
	case count == 1:
		for _, c := range choices {
			if i := index(c.Letter); i >= 0 && i > len(splits)-5 {
				return c.Letter
			}
		}
	case count == 0 && index("Z") >= 0:
		return "Z"
	}
	return ""
}

func canInferText(answer string, choices []Choice) string {
	answer = pyLower(answer)
	total := 0
	for _, c := range choices {
		total += utf8.RuneCountInString(c.Text)
	}
	if utf8.RuneCountInString(answer) > 2*total {
		return ""
	}
	found := ""
	n := 0
	for _, c := range choices {
		if strings.Contains(answer, pyLower(c.Text)) {
			found = c.Letter
			n++
		}
	}
	if n == 1 {
		return found
	}
	return ""
}

// Extract reads the letter of reply for question q under the DSR-Bench protocol:
// extract_characters_regex first; when it finds nothing, VLMEvalKit's extract_option, whose options
// come from q's text (FallbackReference) or from q's text with the option lines appended
// (FallbackOptions). An empty or non-UTF-8 reply is unparsed without being searched; only the first
// MaxReplyChars characters of a reply are read.
func Extract(reply Reply, q *Question, mode FallbackMode) Extraction {
	reply.Text = truncateChars(reply.Text, MaxReplyChars)
	switch {
	case reply.NonUTF8:
		return Extraction{Method: MethodUnparsed, Note: "non-UTF-8"}
	case strings.TrimFunc(reply.Text, pyIsSpace) == "":
		return Extraction{Method: MethodUnparsed, Note: "empty"}
	}
	if l := ExtractCharactersRegex(reply.Text); l != "" {
		return Extraction{Letter: l, Method: MethodRegex}
	}
	text := q.Question
	if mode == FallbackOptions {
		text += "\n" + strings.Join(q.Options, "\n")
	}
	switch l := CanInfer(reply.Text, ExtractOptionChoices(text)); l {
	case "":
		return Extraction{Method: MethodUnparsed, Note: "no letter"}
	case "Z":
		return Extraction{Method: MethodUnparsed, Note: "refusal"}
	default:
		return Extraction{Letter: l, Method: MethodFallback}
	}
}

// pyIsSpace reports whether Python's str.isspace holds for r: Go's unicode.IsSpace plus the
// information separators U+001C–U+001F, which Python counts as whitespace.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyLower approximates Python's str.lower: simple lower-casing plus the one special-casing rule
// that changes a length, U+0130 (İ) → "i̇". Python's context-dependent final sigma (Σ → ς at a
// word end) is not reproduced; it cannot occur in DSR-Bench's English option texts.
func pyLower(s string) string {
	if !strings.ContainsRune(s, 'İ') {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r == 'İ' {
			b.WriteString("i\u0307")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// truncateChars returns the first n code points of s.
func truncateChars(s string, n int) string {
	if len(s) <= n { // fewer bytes than n: fewer code points too
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
