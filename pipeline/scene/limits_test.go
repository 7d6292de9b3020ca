package scene

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forgedPNG is a 1×1 PNG whose header claims w×h (a decoder that trusts it allocates w·h).
func forgedPNG(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	p := b.Bytes()
	binary.BigEndian.PutUint32(p[16:], uint32(w))
	binary.BigEndian.PutUint32(p[20:], uint32(h))
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

// Issue 12, defect 6: readers check sizes before they allocate.
func TestReadersCheckSizesFirst(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "s")
	if err := Save(dir, testScene(7, 3, 4, 5)); err != nil {
		t.Fatal(err)
	}
	// gt.json: a symlink to /dev/zero, then a file over the cap.
	gt := filepath.Join(dir, GTFile)
	if err := os.Symlink("/dev/zero", gt); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "gt.json: not a regular file") {
		t.Errorf("gt.json → /dev/zero: %v", err)
	}
	os.Remove(gt)
	if err := os.WriteFile(gt, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Truncate(gt, maxJSON+1) // sparse: costs no disk
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "gt.json: over") {
		t.Errorf("huge gt.json: %v", err)
	}
	os.Remove(gt)
	// A frame whose header claims 16000×16000: refused from the header.
	os.MkdirAll(filepath.Join(dir, FramesDir), 0o755)
	for i := range 3 {
		os.WriteFile(filepath.Join(dir, FramesDir, "00"+string(rune('0'+i))+".png"), forgedPNG(16000, 16000), 0o644)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Frame(1); err == nil || !strings.Contains(err.Error(), "16000x16000, want the scene's image_size 10x8") {
		t.Errorf("forged frame: %v", err)
	}
}

// Issue 12, defect 11: orient.json null is not "no orientations"; timestamps of 1e300 and
// translations of 3e38 (whose squares overflow) are refused.
func TestValidateBounds(t *testing.T) {
	t.Parallel()
	for _, b := range []string{"null", " [] ", ""} {
		if _, err := ParseOrient([]byte(b)); err == nil || !strings.Contains(err.Error(), "want a JSON object") {
			t.Errorf("orient.json %q: %v", b, err)
		}
	}
	s := testScene(8, 3, 4, 5)
	s.Timestamps[2] = 1e300
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "timestamps[2]: 1e+300, want a number in [0, 1e+06]") {
		t.Errorf("timestamp 1e300: %v", err)
	}
	s = testScene(8, 3, 4, 5)
	s.Poses[16+7] = 3e38
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "camera_poses[1]: translation 3") {
		t.Errorf("translation 3e38: %v", err)
	}
	s = testScene(8, 3, 4, 5)
	s.LocalPoints[5] = -3e38
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "want finite with |v| ≤ 1e+06") {
		t.Errorf("point -3e38: %v", err)
	}
}

// Declared sizes bound what the readers allocate: an image_size over MaxSide is refused before
// masks.npz is inflated, and local_points must have one frame per timestamp before it is read.
func TestDeclaredSizesBoundReads(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "s")
	s := testScene(9, 3, 4, 5)
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	meta, _ := os.ReadFile(filepath.Join(dir, MetaFile))
	big := strings.Replace(string(meta), `"image_size": [
    10,
    8
  ]`, `"image_size": [65536, 65536]`, 1)
	if big == string(meta) {
		t.Fatalf("scene.json layout changed:\n%s", meta)
	}
	os.WriteFile(filepath.Join(dir, MetaFile), []byte(big), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "want sides in 1..16384") {
		t.Errorf("image_size 65536²: %v", err)
	}
	fewer := strings.Replace(string(meta), `"timestamps": [
    0,`, `"timestamps": [`, 1)
	fewer = strings.Replace(fewer, "0.7,\n", "", 1)
	os.WriteFile(filepath.Join(dir, MetaFile), []byte(fewer), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "the number of timestamps in scene.json") {
		t.Errorf("3 frames, fewer timestamps: %v", err)
	}
}
