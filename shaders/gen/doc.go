// Command gen compiles dsr4d's shaders to SPIR-V and writes, per shader, z_<source>.go: the
// embedding, the reflection table and the typed handle (see package shaders).
//
//	go run ./shaders/gen [-dir shaders] [-glslc glslc]
//
// It is what `make shaders` runs; see package shaders for the conventions.
package main
