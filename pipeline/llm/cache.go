package llm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// entry is one cache file.
type entry struct {
	Model string `json:"model"` // the model asked for (Config.Model)
	Hash  string `json:"hash"`
	Reply Reply  `json:"reply"`
}

// cachePath is where the reply to hash is stored.
func (c *Client) cachePath(hash string) string {
	return filepath.Join(c.cfg.CacheDir, safeName(c.cfg.Model), hash[:2], hash+".json")
}

// safeName maps a model name ("Qwen/Qwen2.5-VL-7B-Instruct") to one path element.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

// cached returns the stored reply to hash, if any; a file that does not decode or belongs to
// another model or hash counts as absent.
func (c *Client) cached(hash string) (Reply, bool) {
	if c.cfg.CacheDir == "" {
		return Reply{}, false
	}
	data, err := os.ReadFile(c.cachePath(hash))
	if err != nil {
		return Reply{}, false
	}
	var e entry
	if json.Unmarshal(data, &e) != nil || e.Model != c.cfg.Model || e.Hash != hash {
		return Reply{}, false
	}
	return e.Reply, true
}

// Cached reports whether a reply to req is stored, without asking the endpoint.
func (c *Client) Cached(req Request) bool {
	_, ok := c.cached(Hash(c.cfg.Model, req))
	return ok
}

// store writes the reply to hash atomically: a temporary file in the same directory, synced,
// then renamed over the final name.
func (c *Client) store(hash string, r Reply) error {
	if c.cfg.CacheDir == "" {
		return nil
	}
	data, err := json.MarshalIndent(entry{Model: c.cfg.Model, Hash: hash, Reply: r}, "", " ")
	if err != nil {
		return err
	}
	return writeFile(c.cachePath(hash), data)
}

// writeFile writes data to path atomically, creating its directory.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("llm: cache: %w", err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("llm: cache: %w", err)
	}
	return nil
}
