// Package video takes frames out of videos the way the DSR Suite's evaluation samples them: it
// owns the frame sampling rule, the ffmpeg/ffprobe calls and the on-disk frame cache. `dsr4d
// eval --endpoint` uses it to send frames to a model; π³ reconstruction can use it to get the
// frames it reconstructs.
//
// # Sampling
//
// Sampling.Indices is SPATIAL_REASONING.save_video_frames of the DSR Suite copy of VLMEvalKit
// (model/qwen-vl-finetune/VLMEvalKit_mine/vlmeval/dataset/spatial_reasoning.py), with n the
// video's frame count (decord's len(vid)) and f its average frame rate (get_avg_fps):
//
//   - nframe mode (NFrame > 0, FPS ≤ 0; the reference's nframe > 0 and fps < 0):
//     step = n / (nframe+1), indices int(i·step) for i = 1..nframe — the first and last frames
//     are never taken.
//   - fps mode (FPS > 0): required = int(n/f · fps), step = f / fps, indices int(i·step) for
//     i = 0..required−1.
//
// The DSR Suite's run.py builds the dataset with nframe 32 (dataset_kwargs = {"nframe": 32}),
// dsr4d's default. Its video models (Qwen2.5-VL "ForVideo") are handed the video file and sample
// it themselves; an endpoint gets these frames as images instead.
//
// The same float64 operations in the same order as the Python, so the indices are identical
// (golden vectors in testdata/golden_indices.json, made by testdata/gen_golden.py, which runs the
// reference's lines). Neither mode set is an error (the reference fails there too, on an unbound
// frame_paths). Cached frames are named as VLMEvalKit names them: frame-{i}-of-{n}.jpg (nframe
// mode) and frame-{i}-of-{n}-{fps}fps.jpg (fps mode), i from 1.
//
// # Frames
//
// Probe asks ffprobe for the first video stream's frame count (nb_frames; when the container does
// not say, the packets are counted) and avg_frame_rate, the values decord reports. Extract decodes
// the video once with ffmpeg's select filter on the frame number and writes the chosen frames as
// JPEG (optionally scaled down to a longest side, Source.MaxSide, for endpoints that limit image
// sizes); fewer frames than asked is an error naming the video. Source caches each video's frames
// under CacheDir/<videoID>/<mode>/ (written into a temporary directory, then renamed, so a killed
// run leaves no partial set), or reads them from a directory of already extracted frames
// (FramesDir/<videoID>/, every frame of the video, sorted by name; fps mode then needs DirFPS).
// Missing ffmpeg or ffprobe is an error naming the Debian package (ffmpeg).
//
// Differences from the reference: decord decodes to RGB arrays that VLMEvalKit saves with PIL's
// JPEG defaults (quality 75); ffmpeg writes JPEG at -q:v 2 (higher quality), so pixels differ
// slightly, indices never. The reference's subclass only computes the paths (its frames come from
// the base class's extraction or the model's own video reader); dsr4d extracts them itself.
package video
