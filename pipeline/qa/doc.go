// Package qa generates DSR Suite template questions (SPEC-QA §2–§6) from a scene's cues and
// writes them in the reference's and dsr4d's formats; it also audits them against a
// synthetic scene's ground truth.
//
// One question, from scene to JSONL line: Generate (generate.go) draws a type with
// inverse-frequency weights, then — per the type's branch of the reference's
// generate_one_video (data/qa_temp.py) — the viewpoint, the objects and the frames; Compute
// (question.go) walks the frames, moving centres and facings into the viewpoint frame and
// truncating at the first frame where a cue is missing; Answer turns the series into text
// with DescribeDistRuns, DescribeDir and DescribeSpdComp (describe.go, ports of
// data/template.py checked against golden vectors from the reference functions);
// finish draws three distractors and the letter; Write* (write.go) emit the formats.
// Cues come from package fuse (Estimated: the reference's mean of visible surface points),
// from gt.json (Truth) or from both (Oracle: true values, estimated availability) — or from
// package robust (dsr4d qa --estimator robust), whose bootstrap replicates (Replicator) give
// each question a label confidence (confidence.go) that --min-confidence filters on.
//
// # Batches (batch.go, result.go): the contracts
//
// Batch turns scene directories into one output directory OUT: each scene's result goes to
// OUT/scenes/<video id>.json, then every result there is merged into OUT's files.
//
//   - Result key: a result records its Key (ResultVersion, the dsr4d build, --seed, --per-video,
//     --audit, --oracle-centres) and its scene: the SHA-256 of the scene's files (names and bytes)
//     with a cheaper fingerprint (names, sizes, modification times) that spares re-hashing. The
//     device that computed the centres is provenance, not key: shards on CPU and GPU nodes mix.
//   - Reuse: a stored result is reused only if it is a success, under an equal Key, from the same
//     scene content (same fingerprint, or same hash). Failures are always retried; a changed
//     scene is recomputed. Results under another Key are never mixed: the run is refused with a
//     message naming the flags that differ, and --force replaces them (removing those of scenes
//     not in the run).
//   - Crash (kill -9, power loss): every file is written by package atomicfile (temporary file,
//     fsync, rename, directory fsync), so a file is whole or absent; a rerun recomputes what is
//     missing and removes the temporaries the dead writer left (those whose flock is free).
//   - Concurrent runs into one OUT (shards on one or many machines, or two identical runs): scene
//     results are per file and atomic; merges take an exclusive flock on OUT/.qa.lock and read
//     OUT/scenes once under it, so they serialise and the last merge includes every result
//     written before it began. A reader of OUT may see files of two consecutive merges (each
//     file whole); summary.json and the outputs of one merge agree. Two runs with different
//     options into one OUT: the second refuses (or with --force replaces the first's results).
//   - Full disk or any write error: the file being written keeps its old content, the run exits
//     non-zero naming the output path; nothing partial is left, and a rerun continues.
//   - OUT/scenes holds only results: any other .json there is an error naming the file.
//
// # Randomness
//
// One math/rand/v2 PCG per video, seeded with (seed, FNV-64a of the video id): a video's
// questions depend only on the seed and that video, never on which other videos share the run,
// so batches split over shards and workers merge into identical outputs.
//
// # Where dsr4d follows the reference rather than SPEC-QA
//
//   - --per-video counts attempts (the reference's qa_num loop), not questions: failed attempts
//     leave fewer questions, and a type's frequency count grows only with accepted questions.
//   - Speed questions (rel_spd, abs_spd, *_spd_comp) need ≥ 4 steps, i.e. 5 frames
//     ((idx − idx_2) < 4 rejects); the others ≥ 4 frames.
//   - Object pools per type: spd and ori objects are agents (abs_ori, abs_spd, rel_ori);
//     rel_ori, rel_spd and rel_spd_comp take their viewpoint from their first object slot
//     (camera with p 0.5, else the first drawn object, which for rel_spd/rel_spd_comp must be
//     an agent or the attempt fails, even when that slot became the camera); rel_ori draws two
//     agents, rel_spd two objects and rel_spd_comp three even when one slot is the camera.
//   - Relative dis/dir and absolute viewpoints pick "camera" with probability 1/(1+#agents)
//     (random.sample(["camera"]+agents)), then a uniformly drawn agent detectable (non-empty
//     mask) at the detection frame: the interval's first frame (relative), v (absolute),
//     the third-to-last frame (dir_pred).
//   - rel_dis with an agent viewpoint checks nothing about the agent (distance needs no frame);
//     abs_* with an agent viewpoint drop the attempt when the agent is not visible or has no
//     usable orientation at v (no truncation).
//   - Distances (dis) are taken in each frame's own camera coordinates, for abs_dis too
//     (rigid moves keep distances).
//   - Direction prediction uses frames N−3 and N−1 (the reference's hard-coded 029/031 of 32);
//     its "final bounding box" is the box at frame N−3 (the first frame of that 2-frame clip).
//     rel_dir_pred with the camera as viewpoint keeps each position in its own camera frame
//     (S(c(N−3)), S(c(N−1))); its object is dropped when its mask overlaps the viewpoint
//     agent's with IoU > 0.5, or when viewpoint and object read the same ("camera"/"camera"
//     is always dropped). abs_dir_pred has neither check.
//   - Denotations: relative viewpoints and objects "with initial bounding box coordinates"
//     (box at the interval's first frame), absolute viewpoint agents "with bounding box
//     coordinates" (box at v), dir_pred objects "with final bounding box coordinates".
//     Boxes are the mask's [min x, min y, max x, max y] (mask2bbox), not a detector's box.
//   - qa_pairs.json keys are in the reference's insertion order: Type, Question, the three
//     distractor letters, the correct letter, Correct; json.dump indent 4, non-ASCII kept.
//   - Videos without agents are skipped (the reference's pd.isna(agent) check).
//
// # Reference quirks reproduced
//
//   - numpy RuntimeWarnings are errors in qa_temp.py: any division by zero in a describe_*
//     function (a zero distance or speed as a denominator, a zero direction vector) drops the
//     question (reason runtime_warning), e.g. speeds of a static camera.
//   - rel_spd distractors draw speeds from uniform(−1, 1) (abs_spd: uniform(0, 2)).
//   - rel_spd_comp's distractor redraw calls np.random_uniform (a typo): whenever a first
//     draw repeats the answer or another distractor, the reference raises and drops the
//     question; so does dsr4d (reason reference_redraw_bug).
//   - describe_spd_comp writes a whole-interval "latter" run as "The latter is always faster."
//     with no "(1)"; describe_dist_runs numbers a run even when it adds no text.
//   - Distractors are truncated to a random number of states in [max(1, n−3), min(n+3, m)]
//     (or [1, m] when m ≤ n−3), by splitting on "." as the reference does; dir_pred
//     distractors are never truncated.
//   - The interval's two frames are redrawn until ≥ 4 apart (a video with fewer than 5
//     askable frames would loop forever in the reference; dsr4d rejects it: too_few_frames).
//
// # Audit
//
// Audit recomputes each question's series from gt.json (Truth: volume centroids in the true
// camera frames, facing from the true direction and the world's up, true poses) over the same
// frames, objects and viewpoint, and compares answers. With Oracle cues the generator sees the
// true values (and the estimated availability), so the audit must agree 100%: tested. On
// synthetic scenes the main causes of disagreement are (1) the reference's centre, the mean of
// the visible surface points, sits off the volume centroid towards the camera by about half
// the object's depth and moves as the view angle changes, which adds spurious motion that speed
// questions (steps of a few centimetres) and short dir_pred displacements cannot absorb;
// (2) partial visibility (an object entering or leaving the frame, occlusions) makes the
// visible part's mean jump; (3) values near the 0.8/1.2 ratio and ±0.3 direction cuts; with
// noise, (4) pose jitter and drift for absolute viewpoints and speeds, and orientation noise
// for agent viewpoints.
//
// # Deliberate differences
//
//   - Centres are float64 means (the reference: float32 numpy); answers can differ only where
//     a ratio or component sits within ~1e-6 of a threshold. The Vulkan backend's float32 row
//     partials change series in the last bits too (questions.jsonl differs from the CPU run's),
//     never an answer on the test scenes (qa_pairs.json identical).
//   - The reference's detector (Grounding DINO + SAM 2) picks objects; dsr4d draws from the
//     scene's objects whose mask is non-empty at the detection frame.
//   - Python's random/np.random streams are not reproduced: same seed, same dsr4d output.
package qa
