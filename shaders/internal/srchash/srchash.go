package srchash

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

var include = regexp.MustCompile(`(?m)^\s*#include\s+"([^"]+)"`)

// Sum returns the hex sha256 of the source file at path followed by each file it includes
// (recursively, each once, in order of first inclusion), paths relative to the including file.
func Sum(path string) (string, error) {
	h := sha256.New()
	seen := map[string]bool{}
	var add func(p string) error
	add = func(p string) error {
		if seen[p] {
			return nil
		}
		seen[p] = true
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(p), len(text))
		h.Write(text)
		for _, m := range include.FindAllStringSubmatch(string(text), -1) {
			if err := add(filepath.Join(filepath.Dir(p), m[1])); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
		return nil
	}
	if err := add(path); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
