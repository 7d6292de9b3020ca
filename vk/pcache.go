package vk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// pipelineCache is a VkPipelineCache persisted under the user cache directory, so compiled
// pipelines survive across runs (lavapipe compiles every pipeline with LLVM: seconds per run).
type pipelineCache struct {
	d    *Device
	vk   vulkan.PipelineCache
	path string // "" when not persisted
}

// pipelineCacheHeader is VkPipelineCacheHeaderVersionOne (Vulkan spec "Pipeline Cache").
const pipelineCacheHeaderSize = 32

// headerMatches reports whether data starts with a pipeline cache header for this device; a
// cache from another device or driver version is ignored rather than trusted to the driver.
func headerMatches(data []byte, info Info) bool {
	if len(data) < pipelineCacheHeaderSize {
		return false
	}
	le := binary.LittleEndian
	return le.Uint32(data[0:]) >= pipelineCacheHeaderSize &&
		le.Uint32(data[4:]) == 1 && // VK_PIPELINE_CACHE_HEADER_VERSION_ONE
		le.Uint32(data[8:]) == info.VendorID &&
		le.Uint32(data[12:]) == info.DeviceID &&
		bytes.Equal(data[16:32], info.PipelineCacheUUID[:])
}

func cachePath(dir string, info Info) string {
	switch dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "dsr4d")
	}
	return filepath.Join(dir, fmt.Sprintf("pipelines-%04x-%04x.bin", info.VendorID, info.DeviceID))
}

// openPipelineCache never fails: without a usable file it starts empty, and without a cache
// object pipelines are simply built uncached.
func openPipelineCache(d *Device, dir string) *pipelineCache {
	pc := &pipelineCache{d: d, path: cachePath(dir, d.info)}
	var initial []byte
	if pc.path != "" {
		if data, err := os.ReadFile(pc.path); err == nil && headerMatches(data, d.info) {
			initial = data
		}
	}
	c, r := createPipelineCache(d.dev, initial)
	if r != vulkan.Success {
		return pc
	}
	d.live.add("pipeline_cache", 1)
	pc.vk = c
	return pc
}

func (pc *pipelineCache) handle() vulkan.PipelineCache { return pc.vk }

// close saves the cache (temp file + rename, so readers never see a torn file) and destroys it.
// Failing to save only costs compile time on the next run, so it is not reported.
func (pc *pipelineCache) close() {
	if pc.vk == vulkan.NullPipelineCache {
		return
	}
	defer func() {
		vulkan.DestroyPipelineCache(pc.d.dev, pc.vk, nil)
		pc.d.live.add("pipeline_cache", -1)
		pc.vk = vulkan.NullPipelineCache
	}()
	if pc.path == "" {
		return
	}
	var n uint
	if vulkan.GetPipelineCacheData(pc.d.dev, pc.vk, &n, nil) != vulkan.Success || n == 0 {
		return
	}
	cbuf := cAlloc(int(n))
	defer freeC(cbuf)
	if vulkan.GetPipelineCacheData(pc.d.dev, pc.vk, &n, cbuf) != vulkan.Success {
		return
	}
	data := bytes.Clone(unsafe.Slice((*byte)(cbuf), n))
	if err := os.MkdirAll(filepath.Dir(pc.path), 0o755); err != nil {
		return // a read-only home is not worth failing Close for
	}
	_ = atomicfile.Write(pc.path, data) // a cache that cannot be saved is rebuilt next time
}
