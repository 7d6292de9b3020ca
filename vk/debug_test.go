package vk

import (
	"os"
	"strings"
	"testing"

	vulkan "github.com/vulkan-go/vulkan"
)

// TestMessengerCountsValidationErrors breaks a valid-usage rule on purpose (a zero-size buffer)
// and expects the messenger to count it; this proves that a clean run is clean for a reason.
func TestMessengerCountsValidationErrors(t *testing.T) {
	inCI := os.Getenv("CI") != ""
	if !hasLayerForTest() {
		if inCI {
			t.Fatal("CI is set and the validation layer is not installed")
		}
		t.Skip("validation layer not installed")
	}
	d, err := Open(Options{Validate: true, CacheDir: "off"})
	if err != nil {
		if inCI {
			t.Fatalf("CI is set and no Vulkan device opened: %v", err)
		}
		t.Skipf("no device: %v", err)
	}
	defer d.Close()
	if !d.Validating() {
		t.Fatal("Validating() = false with Validate set")
	}
	ci := vulkan.BufferCreateInfo{
		SType:       vulkan.StructureTypeBufferCreateInfo,
		Size:        0,
		Usage:       vulkan.BufferUsageFlags(vulkan.BufferUsageStorageBufferBit),
		SharingMode: vulkan.SharingModeExclusive,
	}
	var buf vulkan.Buffer
	if vulkan.CreateBuffer(d.dev, &ci, nil, &buf) == vulkan.Success && buf != vulkan.NullBuffer {
		vulkan.DestroyBuffer(d.dev, buf, nil)
	}
	m := d.Messages()
	if m.Count[SevError] == 0 {
		t.Fatalf("no validation error counted: %+v", m)
	}
	if !strings.Contains(strings.Join(m.Texts, "\n"), "VUID-VkBufferCreateInfo-size-00912") {
		t.Errorf("messages do not name VUID-VkBufferCreateInfo-size-00912: %v", m.Texts)
	}
}

func hasLayerForTest() bool {
	if err := initLoader(); err != nil {
		return false
	}
	return hasInstanceLayer(validationLayer)
}
