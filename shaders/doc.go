// Package shaders holds dsr4d's GLSL compute and graphics shaders and their committed SPIR-V.
//
// Sources live next to this file (*.comp, *.vert, *.frag). `make shaders` (go run ./shaders/gen)
// compiles each with `glslc --target-env=vulkan1.1 -O` into spv/, reflects the SPIR-V (descriptor bindings and
// their read/write access, push-constant block size, specialization constants by name and default,
// including the workgroup size constants local_size_x/y/z) and writes one z_<source>.go per shader,
// which embeds its SPIR-V and records the source's sha256 (one file each, so work on two shaders
// never touches the same generated file). The package's test fails when a source no longer matches
// its SPIR-V, so a change to a .comp file without `make shaders` cannot pass CI.
//
// Each generated file also gives its shader a typed handle: a compute shader a function taking a
// struct with one field per specialisation constant (shaders.Matmul(shaders.MatmulSpec{TM: 4,
// TransB: true}); a zero field takes the GLSL default, so boolean and float constants must default
// to false/0, which the generator checks), a graphics shader a Variant value
// (shaders.ViewColorFrag). vk.Device.KernelOf takes them: a misspelt constant, or one the shader
// does not declare, is a compile error. A uint constant that selects an operation names its
// values in the source, `// enum OP: Add = 0, Mul = 1, Scale = 2`, and its field then has its own
// type with one Go constant per value (shaders.ElementwiseAdd): no bare numbers that must match a
// GLSL comment. Lookup finds a module by name.
//
// Conventions every compute shader follows: storage buffers in set 0 at bindings 0..n-1, `readonly`
// on inputs and `writeonly` where possible (the vk Recorder derives barriers from them), push
// constants of at most 128 bytes made of 32-bit words, and tile/workgroup sizes as specialization
// constants so that one module serves lavapipe and discrete GPUs.
//
// Pitfalls, each measured or hit here (the generator lints the first):
//   - gl_WorkGroupSize inside a function is folded by glslang to the default of local_size_x_id
//     (1), silently: use a global `const uint WG_X = gl_WorkGroupSize.x;` (common.glsl).
//   - On lavapipe a storage-buffer load or store is a scalar loop over the SIMD lanes, while a
//     texelFetch from a `uniform samplerBuffer` is a vector gather: hot read-only inputs go in
//     texel buffers (matmul: 0.5 → 14 GFLOP/s).
//   - On lavapipe a grid-stride loop (index advancing by the grid size until n) around a
//     storage-buffer store costs microseconds per store (fill of 4M floats: 2.3 s); the same work
//     as a specialisation-constant trip count per invocation takes 8 ms. Row loops with a run-time
//     bound (softmax over a row: 1M stores in 14 ms) are not affected.
package shaders
