// Package float16 converts between float32 and the two 16-bit float formats dsr4d meets: IEEE
// 754 binary16 (numpy float16, safetensors F16, Vulkan R16_SFLOAT) and bfloat16 (safetensors
// BF16). Values are carried as their bits in a uint16. Conversions to 16 bits round to nearest,
// ties to even; those to float32 are exact.
package float16
