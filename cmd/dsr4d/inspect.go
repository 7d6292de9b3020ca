package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dsr4d/dsr4d/pipeline/scene"
)

func init() {
	commands["inspect"] = command{summary: "summarise a scene: frames, objects, visibility, camera path, valid pixels", run: runInspect}
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "inspect [-json] SCENE", stderr)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "dsr4d inspect: want exactly one SCENE directory")
		fs.Usage()
		return errUsage
	}
	s, err := scene.Load(pos[0])
	if err != nil {
		return err
	}
	sum := s.Summarize()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	writeSummary(stdout, sum)
	return nil
}

func writeSummary(w io.Writer, s scene.Summary) {
	fmt.Fprintf(w, "video        %s\n", s.VideoID)
	fmt.Fprintf(w, "frames       %d at %g fps, %.1f s to %.1f s\n", s.Frames, s.FPS, s.Timestamps[0], s.Timestamps[1])
	fmt.Fprintf(w, "point maps   %d×%d\n", s.PointMap[0], s.PointMap[1])
	fmt.Fprintf(w, "video size   %d×%d\n", s.ImageSize[0], s.ImageSize[1])
	fmt.Fprintf(w, "camera path  %.3f (scene units)\n", s.PathLength)
	fmt.Fprintf(w, "valid pixels %.1f%% (min %.1f%%, max %.1f%% per frame)\n", 100*s.ValidShare, 100*minOf(s.ValidFrame), 100*maxOf(s.ValidFrame))
	extras := []string{}
	if s.HasFrames {
		extras = append(extras, "RGB frames")
	}
	if s.HasGT {
		extras = append(extras, "ground truth")
	}
	if len(extras) > 0 {
		fmt.Fprintf(w, "also         %s\n", strings.Join(extras, ", "))
	}
	if len(s.Objects) == 0 {
		fmt.Fprintln(w, "objects      none")
		return
	}
	fmt.Fprintln(w, "objects:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  id\tclass\tagent\tvisible\toriented\tper frame (# visible, . masked but no valid pixel, space absent)")
	for _, o := range s.Objects {
		var b strings.Builder
		for i, v := range o.Visible {
			switch {
			case v:
				b.WriteByte('#')
			case o.Pixels[i] > 0:
				b.WriteByte('.')
			default:
				b.WriteByte(' ')
			}
		}
		agent, oriented := "", ""
		if o.Agent {
			agent, oriented = "yes", fmt.Sprint(o.NOriented)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d/%d\t%s\t|%s|\n", o.ID, o.Class, agent, o.NVisible, s.Frames, oriented, b.String())
	}
	tw.Flush()
}

func minOf(v []float64) float64 {
	m := 1.0
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
