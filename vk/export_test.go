package vk

// UploadStaged and DownloadStaged are Upload and Download forced through the staging ring, which
// a device whose every memory type is mappable (lavapipe) never takes otherwise.
func UploadStaged[T Elem](dst Bindable, data []T) error {
	v := dst.bufferView()
	if err := v.validate("Upload"); err != nil {
		return err
	}
	return v.buf.d.upload(v, asBytes(data))
}

func DownloadStaged[T Elem](src Bindable, out []T) error {
	v := src.bufferView()
	if err := v.validate("Download"); err != nil {
		return err
	}
	return v.buf.d.download(v, asBytes(out))
}

// SetBuildHook makes every pipeline build call f first (nil removes it).
func SetBuildHook(f func(name string)) { buildHook = f }
