// Package torchfile reads a PyTorch state dict saved by torch.save (the zip format of torch ≥
// 1.6 and the legacy tar/pickle format): the unpickling is github.com/nlpodyssey/gopickle's,
// this package checks that the top-level object is a state dict (an OrderedDict or dict from
// names to tensors), gathers each tensor through its size, stride and storage offset and serves
// it as float32 by name (nn.Source), so any model of nn can load a released .pt checkpoint.
//
// Open also accepts a .safetensors file (recognised by content, not by name), so that a command
// taking a checkpoint takes either form of the same tensors.
//
// gopickle reads every storage into memory when the file is opened (float16 and bfloat16
// widened to float32), so a checkpoint costs its float32 size in RAM while it is open; Close
// drops it. Integer tensors (BatchNorm's num_batches_tracked) are served converted too. Info
// reports each tensor's stored type (F16, BF16, ...) as a safetensors.Set does, so nn.Load
// keeps 16-bit Linear weights 16-bit on the backend (the widening was exact).
package torchfile
