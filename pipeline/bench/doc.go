// Package bench scores models on DSR-Bench, the dynamic-spatial-reasoning benchmark of "Learning to
// Reason in 4D" (arXiv 2512.20557), with the paper's protocol, and writes a report.
//
// It owns the bench table readers, the prediction join, the letter extraction, the scores and the
// report; `dsr4d eval` (cmd/dsr4d/eval.go) is its command line. Nothing here knows about videos or
// models: a model is run elsewhere on the prompts of WritePrompts and its replies come back as a
// predictions file.
//
// # Inputs
//
// A bench table (ReadBench) is JSONL in SPEC-QA §6's layout — videoID, question, options (four
// strings "A. ..".."D. .."), answer (a letter), type, plus optional id, index and a scene class
// (scene_class, video_class or class) — or the same columns in parquet (DSR-Bench's
// benchmark.parquet; the columns are found by name, whatever the list's inner field names), or the
// reference's qa_pairs.json ({videoID: [{Type, Question, A, B, C, D, Correct}]}; a row without Type
// is non_temp, as qa_nontemp.py writes them; options become "A. {A}").
//
// Question ids: the "id" column if present, else "index", else the 0-based row number in file
// order. The row number is the "index" the reference's VLMEvalKit dataset assigns
// (data_file.assign(index=range(len(data_file)))), so VLMEvalKit's own prediction files
// ({"index", "prediction"}) join directly. For qa_pairs.json the order is videos in file order,
// then each video's questions.
//
// Predictions (ReadPredictions, Join) are JSONL lines {"id": .., "reply": ".."}; an unknown, a
// duplicate or a missing id is an error. A reply can also come from a column of the table
// (ReadOptions.ReplyColumn) or from a built-in baseline (BaselineReplies: random, always-a, oracle).
// Every error about a user's file names the file, the line (or parquet row) and the field.
//
// # Extraction
//
// Extract reproduces SPATIAL_REASONING.evaluate of the DSR Suite copy of VLMEvalKit
// (model/qwen-vl-finetune/VLMEvalKit_mine/vlmeval/dataset/spatial_reasoning.py):
// ExtractCharactersRegex (Video-MME's extract_characters_regex, dataset/utils/videomme.py) and,
// when it returns "", extract_option → extract_answer_from_item → can_infer (CanInfer) with no
// judge model ("exact_matching"). Golden vectors in testdata/golden_extract.json are produced by
// running those reference functions (testdata/gen_golden.py). The quirks reproduced:
//
//   - Two missing commas in the prefix list glue entries together: the prefixes deleted are "The
//     best answer is", "The correct answer is", "The answer is", "The answer", "The best option
//     isThe correct option is", "Best answer:Best option:", "Answer:", "Option:". So "Best answer:
//     C" and "Best option: D" score B (the B of "Best"), while "Answer: C" scores C.
//   - Deletion is case-sensitive and removes every occurrence, in list order: "The Answer is D"
//     and "ANSWER: B" score A.
//   - The first capital A–D anywhere wins: "Based on the video, the answer is A." scores B,
//     "Cannot determine the answer" scores C (the regex runs before the refusal list ever sees
//     it), "Failed to obtain answer via API." scores A, "Become smaller." (an option text in
//     sentence case) scores B.
//   - The rule "more than 10 words and no A–D: no letter" never changes a result (with no A–D
//     the search finds no letter anyway); it is kept for fidelity.
//   - Whitespace is Python's (strip, split): it includes U+001C–U+001F, which Go's unicode.IsSpace
//     does not.
//   - can_infer_option: a reply containing one of four refusal sentences, or a lone "Z" token,
//     infers "Z"; a reply containing "Failed to obtain answer via API" skips to text matching;
//     a lone letter token counts only among the last four tokens.
//   - can_infer_text: lower-cased substring match that must hit exactly one option; a reply
//     longer (in code points) than twice the total option text length matches nothing; an option
//     text contained in another ("keep nearly constant" in "keep nearly constant and then become
//     larger") makes the longer one ambiguous.
//   - extract_option takes option X from the X-th line after the first of the question text, the
//     text after the first "X." with '.', ' ' and '\n' stripped at both ends; a line without "X."
//     defines no option.
//   - Whatever the fallback returns that is not a letter (False, "Z") is stored as "Z", which never
//     equals an answer. Here that is MethodUnparsed with an empty Letter.
//
// Where the reference disagrees with SPEC-QA §7, the reference wins and is the default:
//
//   - The option-text fallback. SPEC-QA says unparsed replies are matched against the option
//     texts. In the reference the scored row's question is the bare bench question (build_prompt
//     appends the options to a copy of the row, not to the saved one), and extract_option reads
//     options from the question's lines after the first, so it finds none: the fallback can only
//     catch refusals and "Z", and an option quoted in lower case ("become smaller") is wrong.
//     FallbackReference does exactly that; FallbackOptions (`--fallback options`) is SPEC-QA's
//     reading, with the option lines appended as in the prompt. Under FallbackReference the report
//     says how many unparsed replies the options fallback would have read and how many correctly.
//   - The instruction. SPEC-QA quotes it bare; the reference's FRAMES_TMPL_NOSUB starts and ends
//     with a newline, and Instruction keeps both.
//
// A reply is read up to its first MaxReplyChars (32,767) characters, what the reference's
// spreadsheet round trip keeps of it.
//
// Deliberate differences from the reference, none of which can change a DSR-Bench score: an empty
// or non-UTF-8 reply is unparsed without being searched (the reference cannot hold bytes that are
// not UTF-8); the reference's VERBOSE
// environment switch is not reproduced; lower-casing follows Python for U+0130 but not Python's
// final-sigma rule.
//
// # Scores
//
// Score gives the accuracy over all questions (question-weighted, the paper's Avg), per type (the
// 13 of Types: 12 templates and non_temp, then any other type found, counted as non-template),
// template vs non-template, absolute vs relative viewpoint (from the type prefix, or for non_temp
// from the question's opening "From the perspective of" / "Following the perspective of") and per
// scene class, each with a Wilson 95% score interval. Accuracies are fractions in the API and
// percentages with one decimal in the Markdown report.
//
// PaperTable4 holds the rows of the paper's Table 4 that could be sourced exactly (the Avg of
// Qwen2.5-VL-7B, 23.5, and of Qwen2.5-VL-7B + GSM trained on DSR-Train 50K, 58.9); the per-type
// cells are not built in. ReadPaperRows reads more rows from a JSON file.
//
// # Report
//
// Report.WriteDir writes report.md, report.json, results.jsonl (per question: raw reply, letter,
// method, note, correct), per_type.png (accuracy per type with interval bars and a chance line) and
// compare.png (the model against chance, always-A on the same bench and the comparison rows), each
// ChartWidth × ChartHeight pixels. Every file is rendered in memory, written to a temporary file in
// the directory and renamed.
package bench
