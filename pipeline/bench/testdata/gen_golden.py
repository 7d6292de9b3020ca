#!/usr/bin/env python3
"""Regenerate golden_extract.json by running the DSR Suite reference extraction.

The reference is DSR-Bench's scorer, SPATIAL_REASONING.evaluate in the DSR Suite copy of VLMEvalKit
(model/qwen-vl-finetune/VLMEvalKit_mine). It scores a prediction with

    extract_characters_regex(pred)                    (dataset/utils/videomme.py)
    and, when that returns '', extract_option(None, row, 'Video-MME')   (same file)
    -> extract_answer_from_item                       (dataset/utils/multiple_choice.py)
    -> can_infer / can_infer_option / can_infer_text  (utils/matching_util.py)

This script does not copy that code: it reads the function sources out of a fetched snapshot of the
repository (a bare git directory, read with `git show`, or a checkout), picks the named function
definitions out with `ast`, and executes them. VLMEvalKit's package imports (torch, pandas, ...) are
not available here, so only the few helpers those functions touch are stubbed:
`pd.isna` (the cells are strings, never NaN) and `get_logger`. `build_option_str` and `cn_string`
are loaded from the reference as well.

Usage:
    python3 gen_golden.py --ref /work/.mirror/Tiamat-Tech+DSR_Suite/repo > golden_extract.json

Each case is scored twice:
  - "reference": the row exactly as the reference's eval file holds it: `question` is the bench
    question alone (build_prompt appends the options to a copy of the row, never to the saved one),
    so extract_option finds no option lines in it;
  - "options": the question with the four option lines appended, as the prompt shows it, which is
    the option-text fallback SPEC-QA section 7 describes.
"""

import argparse
import ast
import json
import logging
import os
import random as rd
import re
import string
import subprocess
import sys
import copy as cp

VLMEVAL = "model/qwen-vl-finetune/VLMEvalKit_mine/vlmeval/"
SOURCES = {
    "dataset/utils/videomme.py": ["extract_characters_regex", "extract_option"],
    "dataset/utils/multiple_choice.py": [
        "build_choices", "extract_answer_from_item", "build_prompt", "build_prompt_blink",
        "build_prompt_wemath", "build_prompt_cn", "build_prompt_LEGO",
    ],
    "utils/matching_util.py": [
        "can_infer", "can_infer_option", "can_infer_text", "can_infer_sequence", "can_infer_lego",
    ],
    "smp/misc.py": ["cn_string"],
    "smp/vlm.py": ["build_option_str"],
}


def read_source(ref, rel):
    path = VLMEVAL + rel
    if os.path.isdir(os.path.join(ref, "model")):
        with open(os.path.join(ref, path), encoding="utf-8") as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", ref, "show", "HEAD:" + path],
                          check=True, capture_output=True, text=True).stdout


def ref_commit(ref):
    if os.path.isdir(os.path.join(ref, "model")):
        return subprocess.run(["git", "-C", ref, "rev-parse", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    return subprocess.run(["git", "--git-dir", ref, "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


class _PandasStub:
    """The one pandas function the loaded code calls on these rows."""

    @staticmethod
    def isna(x):
        return x is None or (isinstance(x, float) and x != x)


def load_reference(ref):
    ns = {
        "re": re, "os": os, "cp": cp, "string": string, "rd": rd, "pd": _PandasStub,
        "get_logger": lambda name, *a, **k: logging.getLogger(name),
    }
    for rel, names in SOURCES.items():
        tree = ast.parse(read_source(ref, rel))
        found = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        for name in names:
            if name not in found:
                sys.exit(f"gen_golden: {rel}: no function {name}")
            mod = ast.Module(body=[found[name]], type_ignores=[])
            exec(compile(mod, VLMEVAL + rel, "exec"), ns)
    return ns


def score(ns, reply, question, options, with_options):
    """SPATIAL_REASONING.evaluate's per-row logic (exact_matching judge, model None)."""
    pred = str(reply)
    row = {
        "index": 0, "video": "vid", "video_path": "vid.mp4", "candidates": str(options),
        "question": question + ("\n" + "\n".join(options) if with_options else ""),
        "answer": "A", "prediction": reply,
    }
    regex = ns["extract_characters_regex"](pred)
    if regex == "":
        return regex, ns["extract_option"](None, row, "Video-MME")
    return regex, regex


DIST = ["A. Become larger.", "B. Become smaller.", "C. Keep nearly constant.",
        "D. (1) Keep nearly constant and then become larger. (2) Become smaller."]
DIRS = ["A. (1) Front|Left (2) Left", "B. Behind|Right", "C. (1) Above (2) Front|Below",
        "D. Left|Above"]
COMP = ["A. The former is always faster.", "B. Their speed is nearly the same.",
        "C. The latter is always faster.",
        "D. (1) The former is faster. (2) Nearly the same."]
Q_DIST = ("Between 1.0s and 4.5s, following the perspective of camera, how does the distance "
          "between person with initial bounding box coordinates [10,20,30,40] and camera change?")
Q_DIR = ("From the perspective of dog with bounding box coordinates [1,2,3,4] at 2.0s, predict "
         "the moving direction of car with final bounding box coordinates [5,6,7,8]")
Q_COMP = ("Between 0.5s and 3.0s, following the perspective of camera, compare the speed between "
          "bird with initial bounding box coordinates [0,0,9,9] and camera.")
Q_EMBED = "Which way does it move?\nA. left\nB. right\nC. up\nD. down"
EMBED_OPTS = ["A. left", "B. right", "C. up", "D. down"]

CASES = [
    # plain letters and wrappers
    ("letter_A", "A", Q_DIST, DIST),
    ("letter_D", "D", Q_DIST, DIST),
    ("paren_C", "(C)", Q_DIST, DIST),
    ("dot_B", "B.", Q_DIST, DIST),
    ("padded", "  \n D \t", Q_DIST, DIST),
    ("lowercase_letter", "b", Q_DIST, DIST),
    ("option_word", "Option C", Q_DIST, DIST),
    ("bold_answer", "**Answer:** C", Q_DIST, DIST),
    ("latex_boxed", "\\boxed{D}", Q_DIST, DIST),
    ("letter_then_text", "C. Keep nearly constant.", Q_DIST, DIST),
    # the prefix list, including the two glued entries
    ("the_answer_is", "The answer is B", Q_DIST, DIST),
    ("the_best_answer_is", "The best answer is C.", Q_DIST, DIST),
    ("the_correct_answer_is", "The correct answer is D", Q_DIST, DIST),
    ("the_answer_colon", "The answer: A", Q_DIST, DIST),
    ("answer_colon", "Answer: C", Q_DIST, DIST),
    ("answer_colon_paren", "Answer: (D)", Q_DIST, DIST),
    ("option_colon", "Option: A", Q_DIST, DIST),
    ("best_answer_colon_quirk", "Best answer: C", Q_DIST, DIST),
    ("best_option_colon_quirk", "Best option: D", Q_DIST, DIST),
    ("glued_best_prefix", "Best answer:Best option: D", Q_DIST, DIST),
    ("the_best_option_is", "The best option is D", Q_DIST, DIST),
    ("glued_option_prefix", "The best option isThe correct option is C", Q_DIST, DIST),
    ("the_correct_option_is", "The correct option is B", Q_DIST, DIST),
    ("capital_answer_is", "The Answer is D", Q_DIST, DIST),
    ("shouted_answer", "ANSWER: B", Q_DIST, DIST),
    ("correct_option_colon", "Correct option: D", Q_DIST, DIST),
    ("double_prefix", "Answer: The answer is C", Q_DIST, DIST),
    ("prefix_every_occurrence", "Answer:Answer: Answer:B", Q_DIST, DIST),
    # sentences: first capital A-D anywhere wins
    ("based_on", "Based on the video, the answer is A.", Q_DIST, DIST),
    ("i_think", "I think it's D.", Q_DIST, DIST),
    ("not_a_but_c", "It is definitely not A, it's C.", Q_DIST, DIST),
    ("cannot_determine", "Cannot determine the answer", Q_DIST, DIST),
    ("api_failure", "Failed to obtain answer via API.", Q_DIST, DIST),
    ("sentence_case_option_text", "Become smaller.", Q_DIST, DIST),
    ("eleven_words_with_letter",
     "after watching the whole clip carefully i would go with option D here", Q_DIST, DIST),
    ("eleven_words_no_letter",
     "the video shows a person walking towards the camera and then turning left", Q_DIST, DIST),
    ("ten_words_no_letter", "the person walks towards the camera and then turns left", Q_DIST,
     DIST),
    # no capital A-D: the option-text fallback decides
    ("lower_text_one_option", "become smaller", Q_DIST, DIST),
    ("lower_text_keep", "it will keep nearly constant", Q_DIST, DIST),
    ("lower_text_two_options", "keep nearly constant and then become larger", Q_DIST, DIST),
    ("lower_text_too_long", "become smaller " + "and so on " * 40, Q_DIST, DIST),
    ("lower_direction", "left|above", Q_DIR, DIRS),
    ("lower_direction_ambiguous", "behind|right, then left|above", Q_DIR, DIRS),
    ("lower_comparison", "their speed is nearly the same", Q_COMP, COMP),
    ("lower_comparison_sentence", "the former is always faster.", Q_COMP, COMP),
    ("mixed_case_text", "their SPEED is nearly the same", Q_COMP, COMP),
    ("z_token", "Z", Q_DIST, DIST),
    ("z_in_parens", "none of them (Z)", Q_DIST, DIST),
    ("reject_sorry", "I'm sorry, but without the image provided I cannot tell.", Q_DIST, DIST),
    ("reject_people", "Sorry, I can't help with images of people yet.", Q_DIST, DIST),
    ("reject_file", "I can't process this file.", Q_DIST, DIST),
    ("api_failure_lower", "Failed to obtain answer via API", Q_DIST, DIST),
    ("empty", "", Q_DIST, DIST),
    ("blank", "   \n\t ", Q_DIST, DIST),
    ("nan", "nan", Q_DIST, DIST),
    ("lowercase_words", "none", Q_DIST, DIST),
    ("digits", "2", Q_DIST, DIST),
    # question text that already carries option lines (the reference path sees them)
    ("embedded_options_text", "down", Q_EMBED, EMBED_OPTS),
    ("embedded_options_two", "up or down", Q_EMBED, EMBED_OPTS),
    ("embedded_options_letter", "B", Q_EMBED, EMBED_OPTS),
    # Unicode: Python whitespace, full-width and look-alike letters, CJK
    ("nbsp", "\u00a0B\u00a0", Q_DIST, DIST),
    ("info_separator_ws", "\x1c\x1dC\x1e\x1f", Q_DIST, DIST),
    ("ideographic_space", "\u3000D\u3000", Q_DIST, DIST),
    ("fullwidth_b", "\uff22", Q_DIST, DIST),
    ("cyrillic_ve", "\u041e\u0442\u0432\u0435\u0442: \u0412", Q_DIST, DIST),
    ("chinese", "\u7b54\u6848\u662f C", Q_DIST, DIST),
    ("chinese_no_letter", "\u53d8\u5927", Q_DIST, DIST),
    ("dotted_capital_i", "\u0130 think: become smaller", Q_DIST, DIST),
    ("z_after_separator", "maybe\x1fZ", Q_DIST, DIST),
    ("cjk_length_codepoints", "\u53d8" * 200 + " become smaller", Q_DIST, DIST),
    ("cjk_length_over", "\u53d8" * 230 + " become smaller", Q_DIST, DIST),
    ("missing_letter_dot", "left", Q_EMBED.split("\n")[0], ["A) left", "B. right", "C. up", "D. down"]),
    ("missing_letter_dot_other", "right", Q_EMBED.split("\n")[0], ["A) left", "B. right", "C. up", "D. down"]),
    ("letter_dot_inside_text", "go to a. then b", Q_EMBED.split("\n")[0], ["A. go to a. then b", "B. go to b", "C. stay", "D. C. twice"]),
    ("separators_words",
     "one\u2028two\u2029three\u0085four\u00a0five six seven eight nine ten eleven", Q_DIST, DIST),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True,
                    help="fetched DSR_Suite snapshot: bare git directory or a checkout")
    args = ap.parse_args()
    ns = load_reference(args.ref)
    out = {
        "generator": "pipeline/bench/testdata/gen_golden.py",
        "reference": {"repository": "Tiamat-Tech/DSR_Suite (copy of TencentARC/DSR_Suite)",
                      "commit": ref_commit(args.ref),
                      "files": [VLMEVAL + k for k in SOURCES]},
        "python": sys.version.split()[0],
        "whitespace": [c for c in range(0x110000) if chr(c).isspace()],
        "cases": [],
    }
    names = set()
    for name, reply, question, options in CASES:
        assert name not in names, name
        names.add(name)
        regex, ref = score(ns, reply, question, options, False)
        _, opt = score(ns, reply, question, options, True)
        out["cases"].append({"name": name, "reply": reply, "question": question,
                             "options": options, "regex": regex, "reference": ref,
                             "options_mode": opt})
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
