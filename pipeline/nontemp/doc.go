// Package nontemp makes the DSR Suite's non-template questions (data/qa_nontemp.py): it draws a
// viewpoint, an interval and the objects of a scene, writes their 3-D trajectories into the
// reference's prompt, and turns the model's reply into a multiple-choice question. The model is
// asked through package llm; `dsr4d qa --nontemplate` (cmd/dsr4d/qa_nontemp.go) runs it over
// scenes.
//
// One question: Generate (generate_one_video) tries up to 50 times an absolute (p 0.5) or a
// relative draw:
//
//   - abs: the camera or an agent (random.sample over ["camera"] + the agent classes, then a
//     random agent detectable at v), a frame v, an interval of two distinct askable frames at
//     least 3 apart; an agent viewpoint must be located and oriented at v, else the trial fails.
//     Objects: every object detectable at the interval's first frame (the viewpoint agent
//     included, as the reference does not remove it). Positions are moved into camera v's
//     frame, then into the viewpoint's (forward, left, up) axes.
//   - rel: the interval, then the camera (p 0.5) or a random detectable object, which must be an
//     agent (else the trial fails) and is removed from the objects; positions per frame in that
//     frame's viewpoint.
//   - Every frame is walked from the interval's start; the first frame where an object (or a
//     relative agent, or its orientation) is missing ends the interval before it, and fewer than
//     4 frames left fails the trial. These are qa.Compute's abs_spd/rel_spd series, so the
//     geometry is the template generator's (checked there against the reference's transforms).
//
// Text, as the reference formats it (goldens in testdata/reference.json, made by
// scripts/extract_prompts.py by evaluating the reference's own expressions):
//
//   - The trajectories are str(obj_coords): a Python dict, keys "{class} with initial bounding
//     box coordinates [x0,y0,x1,y1]" (box at the interval's first frame), values lists of
//     [x, y, z] lists, every float in Python's repr (PyFloat: "1.0", "1e-05",
//     "0.30000000000000004").
//   - The viewpoint: "camera" or "{class} with initial bounding box coordinates [..]" (rel);
//     "camera at {t:.1f}s" or "{class} with bounding box coordinates [..] at {t:.1f}s" (abs).
//   - The times: "{:.1f}s" for the interval's ends; the collection times are str() of the
//     timestamps rounded to 0.1 s (round(x, 1)), joined by ", ", each followed by "s".
//   - The reply: split on "\n", empty strings dropped (a line of spaces stays); exactly 6 lines
//     or the reference asks again (Validate; dsr4d retries up to the client's limit and then
//     reports the question as failed). The question is "{From|Following} the perspective of
//     {agent}, between {s:.1f}s and {e:.1f}s, {line 1 lower-cased}", answers lines 2–5 and
//     Correct line 6, all verbatim.
//   - qa_pairs_nontemp.json: {videoID: [{Question, A, B, C, D, Correct}]}, json.dump indent 4,
//     non-ASCII kept; a processed video without questions has [].
//
// Deliberate differences: Correct is kept verbatim in qa_pairs_nontemp.json, as the reference
// does, but the bench and train files need a letter: Letter reads "B", "B.", "(B)" or "B. text";
// a pair whose Correct is none of these stays out of them (counted), and their options drop a
// leading letter the model wrote ("A. x" → "x", OptionText), as those writers add "A. ". Objects and the agent are
// the scene's (masks give detectability and boxes, mask2bbox) instead of Grounding DINO + SAM 2
// detections; positions are float64 (the reference mixes float32 arrays into float64 maths);
// the random streams are Go's PCG per video (Seed), not Python's. A reply the server refuses
// (non-200) costs the reference one of its qa_num attempts; here the client retries it.
package nontemp
