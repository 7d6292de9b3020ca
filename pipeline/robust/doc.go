// Package robust estimates a scene's question cues — object centres in each frame's camera
// coordinates, agents' viewer rotations — from everything a real scene carries: all frames,
// the point maps and their confidences, the masks over time, the orientation estimates with
// their confidences and the camera path; never the ground truth. It is `dsr4d qa
// --estimator robust`; the reference estimator (package fuse: the mean of the visible
// surface, frame by frame) stays the default. An Estimate implements qa.Cues with the
// reference's availability (a centre where the mask has a valid pixel, a rotation where the
// orientation's confidence is ≥ 0.6), so the same questions can be asked and only the
// values, hence the answers, change.
//
// # Components (Options; each has an ablation row in scripts/audit_corpus.sh)
//
//  1. Points (points.go): the object's mask eroded by Erode pixels (mixed pixels at the
//     boundary, dilated masks), the reference's valid-pixel rule (confidence, depth edges),
//     then points more than Trim median absolute deviations off the median depth dropped
//     (background through the mask, occluders).
//  2. Centre (points.go): Solid, the points' mean moved back along the viewing ray by 0.75 of
//     the apparent horizontal half-width — the visible surface is the near half of the
//     object, and its mean sits in front of the volume centroid (the audit's first named
//     cause of error). Horizontal: objects stand upright, so a tree or a person is as deep as
//     it is wide, not as tall (measuring the spread in every direction pushed them 0.3–0.5 m
//     behind their axis).
//  3. Registration (register.go): consecutive frames' points are aligned by trimmed ICP;
//     one centre fixed in the object's frame moves with the chained rigid motion, so a
//     turning object's sliding visible surface adds no spurious motion; its drift is taken
//     out by a wide robust linear fit towards the measured centres. Shape (shape.go), on by
//     default: the poses are tracked against the model that the frames' clouds add up to in
//     the object frame (upright motion: yaw and a horizontal shift), and the fixed centre is
//     that model's shape centre — the middle of its height, and of the circle (round
//     objects) or rectangle (boxes) fitted to its walls' footprint — rather than the mean of
//     the per-frame centres, which keeps every view's bias; no drift correction pulls it
//     back towards the measured centres. Its limit: a depth no view shows (a car seen only
//     from behind) stays the mean centre's guess.
//  4. Trajectory fit (fit.go): in world coordinates (the camera path), a robust (Huber)
//     local-linear fit over ±Window frames, each frame weighted by how complete its view is
//     (Occlusion: visible pixels against nearby frames', masks cut by the image border), so
//     speeds come from the fitted trajectory rather than noisy frame differences.
//  5. Facing (robust.go): agents' facings in world coordinates, smoothed over ±OrientWindow
//     frames weighted by their confidence, outliers (flips) dropped; Upright rebuilds the
//     viewer rotation from the facing and the world's up, as the audit's truth does,
//     discarding roll and pitch noise. All estimates are used, whatever their confidence;
//     only availability keeps the reference's 0.6 cut.
//  6. Still model (static.go): a camera whose stored poses stay within pose noise of their
//     medoid gets that one pose for every frame, an object whose fitted world positions stay
//     within 0.15 m one world position; a still object seen by a still camera then has speeds
//     of exactly zero, which the reference (and the audit's truth) drops as a 0/0.
//  7. Motion models (model.go): Model replaces an object's local fit by a whole-clip
//     robust fit — constant velocity, else a circle at constant speed, else constant
//     acceleration — when its median residual is within 1.8× the local fit's (a line also
//     when within 7 cm: the slow view-dependent bias of the centre), so speeds and predicted
//     directions use every frame. Level makes agents' facings horizontal, so the rebuilt up
//     axis is the world's and heights in an agent's frame do not swing with a pitched facing
//     (the rel_* questions' worst error under heavy noise). Camera smooths the camera path
//     (local quadratic over ±Camera frames) when its position jitter exceeds 1.8 cm; below
//     that, swaying or hand-held paths are real motion and smoothing them cost agreement on
//     the tuning scenes. Yaw replaces an agent's smoothed facings by a whole-clip robust
//     line of its heading in time (a constant heading or a constant turn) under the same
//     rule: a viewpoint turns with its agent, so relative speeds and directions need the
//     facing's change from frame to frame, which orientation noise swamps and a truncated
//     window biases at the clip's ends. Tried and dropped (no gain on the tuning scenes):
//     one height per object, snapping stops of a stop-and-go to one position, calling an
//     object still when only 80% of its frames are, rejecting speed questions about
//     objects slower than the resolution, re-measuring the camera path by point-to-plane
//     ICP of consecutive frames' static background (the synthetic depth error, smooth over
//     each frame, bends the background as much as pose noise moves it: steps 19 mm / 0.47°
//     off against the stored poses' 14 mm / 0.50° at light noise), and in a later round:
//     point-to-plane registration (box velocity error −17%, agreement unchanged), moving the
//     registered track towards the measured centres along the direction its normals leave
//     free or across the viewing ray, stop spans from the tracks' own flat stretches, a
//     Whittaker smoother chosen by cross-validation for the tracks no model explains, a
//     wider local window, registering agents with the rotation their facings give, and
//     extrapolating views cut by the image border; in a third round, choosing per object
//     between the registered and the unregistered centres by their jitter, and narrowing
//     the local window when its residual exceeds what the track's jitter explains
//     (BENCHMARKS.md has the figures).
//  8. Camera path (pathfix.go): Path corrects each frame's pose by the small rigid motion
//     about the camera that best explains all objects' residuals from their fitted tracks in
//     that frame — a pose's rotation error turns everything seen in it about the camera,
//     while the fits follow the neighbouring frames — as a MAP estimate with the path's own
//     noise (posenoise.go) as prior, then estimates the cues again on the corrected path (the
//     same point samples; registration and fits run twice). The path's noise is measured
//     about a local cubic (positions) and by third differences (rotations), so an orbit's
//     curvature or a pan's changing rate is not taken for pose noise and exact poses stay.
//     Light noise: pose noise cost more agreement than depth, mask, orientation and occlusion
//     noise together (removing it: +5.4 points on the tuning scenes); the correction wins
//     back about half.
//  9. Resolution (qa.Resolver): a direction question about an object whose displacement is
//     under 2 cm has no direction the fit can tell (a still object's fitted centre wanders
//     that much when a border or an occluder cuts it); it is rejected as object_still, where
//     the reference answers it from noise. The audit's truth has no direction either when an
//     object does not move (its displacement is rounding in the pose arithmetic). Likewise a
//     speed step under 2 cm is rest (qa.ResolvedAnswer): the reference divides by the speed,
//     so exact cues of an object at rest give a 0/0 and no answer, and the question is
//     rejected rather than answered from a still object's noise.
//  10. Gravity (gravity.go), before everything else: the ground's normal becomes the world's
//     z (every pose left-multiplied by one rotation). Each frame's ground is a RANSAC plane
//     through its confident points off the objects' masks — on locally planar surfaces
//     rather than the reference's depth-edge rule, which drops the ground seen at a grazing
//     angle (beyond ~2.5 camera heights on a 192×108 point map) and leaves a strip whose
//     tilt the points cannot tell — refitted with Tukey weights; up is the frames' median
//     normal. A world whose z is already up within three standard errors of that median
//     (at least 2°, as grounds slope) is kept exactly, so synthetic scenes do not change.
//     Levelling error of a tilted copy, 36 tuning scenes: 0.000° noise-free, ≤ 0.07° light,
//     ≤ 0.33° heavy (each frame's plane is off by its pose's rotation error, ~0.3° and ~1.3°).
//  11. Box faces (box.go), with Shape: a box's registered track slides where ICP has little
//     more than a wall to go by (a still car's registered centre moved 13–23 cm a step on a
//     tuning scene) and fails for a
//     big box turning in front of the camera with parts cut by the image border (a car
//     circling on a 0.9 m radius: 12 wrong answers in one scene). Each frame's own points fix
//     the centre along each horizontal axis of the box when they show a face the camera
//     sees (the camera beyond the face's plane and points on it: the centre is half a side
//     behind the plane, however much of the face is cut off) or a side whole (its middle);
//     the half sides are the largest extents any frame shows; elsewhere the registered (or
//     measured) coordinate stays. The axes are the registered pose's, refined on the frame's
//     footprint, or, where registration failed, each frame's footprint rectangle with the
//     axes' order kept from frame to frame. A box's re-measured track replaces the
//     registered one only where it jitters less (jitter: the median distance of a position
//     from the cubic through its two neighbours on each side, exact for smooth motion).
//  12. Precise tracks (model.go): a track that no whole-clip model explains and that jitters
//     by less than 5 mm (a quarter of the resolution) is kept as measured instead of locally
//     fitted; ±3 frames of degree 1 cut a stop-and-go's peak steps by a third, and its speed
//     questions compare steps at 20%. Noise-free tuning scenes: round objects register to
//     ≤ 2 mm of jitter, boxes 3–50 mm; light noise leaves every track above 5 mm.
//
// # Label confidence
//
// Resample draws wild-bootstrap replicates: every frame's fit residual (centre and facing)
// added back with a random sign and refitted, plus Gaussian noise of std (1 − weight) ×
// half-width in the frames the occlusion weights distrust (their bias is slow and the
// residuals miss it), and every camera pose perturbed by the noise the camera path's own
// second differences show (posenoise.go; none for a still camera). qa.LabelConfidence is the share of replicates that keep a question's
// answer: it folds every decisive quantity's margin from its threshold (distance and speed
// ratios against 0.8 and 1.2, the 0.1 floor, unit components against ±0.3), relative to the
// uncertainty the data show, into one number. This differs from a per-quantity
// margin-over-sigma: one answer depends on many quantities, and a flip of any of them is a
// flip of the label.
//
// # What it does not fix
//
// Camera poses are corrected only as far as the objects' residuals show their error (Path):
// slow pose drift passes into the world-frame fits unchanged, and with one or two objects in
// a frame the prior keeps most of the stored error. A correction of the camera position
// alone by the median of the objects' fit corrections lost on the tuning scenes (pose noise
// is mostly rotation), and so did anchoring each frame's camera position on the still
// objects (their view-dependent centre bias passes for pose error: −12 points noise-free).
// An object cut by the image border, or hidden at its foot by another, for many frames
// keeps a biased centre (the hidden part is not observed); its questions get low label
// confidence instead.
//
// The world's z axis is taken as up (facings made level, viewer rotations rebuilt, shapes
// fitted upright); Gravity (component 10) makes it so for π³'s world, its first camera's
// frame (y down). It levels on the ground, not on gravity: a clip whose ground slopes, or
// that shows no ground under its cameras (a camera looking straight down, no plane within
// 45° of the cameras' up), is levelled on that slope or kept as it is.
package robust
