// Package safetensors reads and writes the safetensors checkpoint format: an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the data.
//
// Open takes one .safetensors file, a model.safetensors.index.json (sharded checkpoints, as
// Hugging Face writes them), or a directory holding either. Files are memory-mapped (read into
// memory where mmap is unavailable); tensors are converted to float32 when asked for, from F32,
// F16 or BF16. Set.Prefix selects the tensors under a name prefix ("visual.") and strips it.
// Every error names the tensor and the file it came from.
package safetensors
