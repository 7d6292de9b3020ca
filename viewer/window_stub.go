package viewer

// RunWindow opens an interactive window; see window.go.
func RunWindow(geo *Geometry, st *State, w, h int, validate bool) error {
	return errNoWindow
}
