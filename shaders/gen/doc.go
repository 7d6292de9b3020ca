// Command gen compiles dsr4d's shaders to SPIR-V and writes the embedding table zshaders.go.
//
//	go run ./shaders/gen [-dir shaders] [-glslc glslc]
//
// It is what `make shaders` runs; see package shaders for the conventions.
package main
