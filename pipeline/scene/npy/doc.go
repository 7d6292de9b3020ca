// Package npy reads and writes NumPy .npy arrays and .npz archives.
//
// Supported element types are the ones dsr4d's scenes use: bool (b1), uint8 (u1), uint16
// (u2), int32 (i4), int64 (i8), float16 (f2), float32 (f4) and float64 (f8), in either byte
// order on read ('<', '>', '|', '='), always little endian on write; arrays in C or Fortran
// order; format versions 1.0, 2.0 and 3.0; npz members stored or deflated.
//
// An [Array] keeps its data as a typed Go slice ([]float32, []bool, ...) in the order the
// file stores it, converted to native byte order in place. Reading allocates that slice once
// and reads the file straight into its memory, so a float32 array in C order costs one
// allocation and no copies; [Array.Float32] then returns the slice itself. Fortran order,
// other element types and, for streams of unknown length, buffering are the only cases that
// copy.
//
// # Why not codeberg.org/sbinet/npyio
//
// npyio v0.14.0 was checked against what dsr4d needs and falls short in ways that matter for
// scene files:
//   - Fortran order is only honoured when reading into a 2-D gonum matrix; N-d slices come
//     back in file order with no error, and the writer always writes fortran_order False.
//   - Its npz writer always deflates; stored (uncompressed) members cannot be written.
//   - Slices are decoded element by element through per-element reads and reflection, which
//     is slow for (32, 518, 518, 3) point maps and keeps an extra copy.
//   - Malformed input reaches panics ("impossible", "not implemented", invalid element
//     sizes) instead of errors, and a bool byte other than 0 or 1 silently reads as false.
//
// This package is small, has no dependencies beyond the standard library, returns errors
// that say what was expected for every malformed input (it is fuzzed), and bounds every
// allocation by the size of the input before making it.
//
// float16 values are held as [Half] (IEEE 754 binary16 bits) and converted to float32
// exactly; float32 to float16 rounds to nearest even.
package npy
