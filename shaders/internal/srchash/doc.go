// Package srchash fingerprints a shader source together with the files it includes, so that
// editing common.glsl marks every shader built from it as stale.
package srchash
