package viewer

import (
	"fmt"
	"math"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/shaders"
)

const depthFormat = vulkan.FormatD32Sfloat

// background is the clear colour.
var background = [4]float32{0.06, 0.065, 0.08, 1}

// renderer owns what does not depend on the target: the render pass for one colour format,
// the pipelines, the geometry uploaded once and the HUD buffer.
type renderer struct {
	g      *gpu
	geo    *Geometry
	rp     vulkan.RenderPass
	layout vulkan.PipelineLayout
	points vulkan.Pipeline
	lines  vulkan.Pipeline
	top    vulkan.Pipeline // lines drawn over everything (question axes)
	hud    vulkan.Pipeline

	pointBuf, lineBuf *buffer
	hudBuf            *buffer
	hudCount          int

	uploads int // bytes of static geometry written to the GPU; only newRenderer writes them
}

func newRenderer(g *gpu, geo *Geometry, color vulkan.Format, final vulkan.ImageLayout) (*renderer, error) {
	r := &renderer{g: g, geo: geo}
	if err := r.init(color, final); err != nil {
		r.destroy()
		return nil, err
	}
	return r, nil
}

func (r *renderer) init(color vulkan.Format, final vulkan.ImageLayout) error {
	g := r.g
	var err error
	if r.rp, err = createRenderPass(g.dev, color, final, depthFormat); err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	g.add("render_pass", 1)
	if r.layout, err = g.d.NewPipelineLayout(128, vulkan.ShaderStageVertexBit); err != nil {
		return fmt.Errorf("viewer: %w", err)
	}

	f32x3 := vulkan.FormatR32g32b32Sfloat
	unorm := vulkan.FormatR8g8b8a8Unorm
	if r.points, err = r.pipeline(shaders.ViewPointsVert, vulkan.PrimitiveTopologyPointList, 20,
		[]vulkan.VertexInputAttributeDescription{{Location: 0, Format: f32x3, Offset: 0}, {Location: 1, Format: unorm, Offset: 12},
			{Location: 2, Format: vulkan.FormatR8g8b8a8Uint, Offset: 16}}, true, false); err != nil {
		return err
	}
	lineAttrs := []vulkan.VertexInputAttributeDescription{{Location: 0, Format: f32x3, Offset: 0}, {Location: 1, Format: unorm, Offset: 12}}
	if r.lines, err = r.pipeline(shaders.ViewLinesVert, vulkan.PrimitiveTopologyLineList, 16, lineAttrs, true, false); err != nil {
		return err
	}
	if r.top, err = r.pipeline(shaders.ViewLinesVert, vulkan.PrimitiveTopologyLineList, 16, lineAttrs, false, false); err != nil {
		return err
	}
	if r.hud, err = r.pipeline(shaders.ViewHudVert, vulkan.PrimitiveTopologyTriangleList, 12,
		[]vulkan.VertexInputAttributeDescription{{Location: 0, Format: vulkan.FormatR32g32Sfloat, Offset: 0}, {Location: 1, Format: unorm, Offset: 8}}, false, true); err != nil {
		return err
	}
	return r.upload()
}

// pipeline builds one graphics pipeline with the colour fragment shader.
func (r *renderer) pipeline(vert shaders.Variant, topo vulkan.PrimitiveTopology, stride uint32, attrs []vulkan.VertexInputAttributeDescription, depth, blend bool) (vulkan.Pipeline, error) {
	g := r.g
	vs, err := g.d.ShaderModule(vert)
	if err != nil {
		return vulkan.NullPipeline, fmt.Errorf("viewer: %w", err)
	}
	fs, err := g.d.ShaderModule(shaders.ViewColorFrag)
	if err != nil {
		return vulkan.NullPipeline, fmt.Errorf("viewer: %w", err)
	}
	p := pipelineDesc{vs: vs, fs: fs, topo: topo, stride: stride, depth: depth, blend: blend, lineWidth: 1}
	for _, a := range attrs {
		p.formats = append(p.formats, uint32(a.Format))
		p.offsets = append(p.offsets, a.Offset)
	}
	if g.d.Info().WideLines && topo == vulkan.PrimitiveTopologyLineList {
		p.lineWidth = 2
	}
	pipe, err := createPipeline(g.dev, p, r.layout, r.rp, g.h.PipelineCache)
	if err != nil {
		return vulkan.NullPipeline, fmt.Errorf("viewer: %s: %w", vert.Name(), err)
	}
	g.add("pipeline", 1)
	return pipe, nil
}

// upload writes the static geometry once.
func (r *renderer) upload() error {
	g, geo := r.g, r.geo
	var err error
	pb := len(geo.Points) * int(unsafe.Sizeof(PointVertex{}))
	if r.pointBuf, err = g.newBuffer(pb, vulkan.BufferUsageVertexBufferBit); err != nil {
		return err
	}
	if pb > 0 {
		copy(r.pointBuf.mapped, unsafe.Slice((*byte)(unsafe.Pointer(&geo.Points[0])), pb))
	}
	lb := len(geo.Lines) * int(unsafe.Sizeof(LineVertex{}))
	if r.lineBuf, err = g.newBuffer(lb, vulkan.BufferUsageVertexBufferBit); err != nil {
		return err
	}
	if lb > 0 {
		copy(r.lineBuf.mapped, unsafe.Slice((*byte)(unsafe.Pointer(&geo.Lines[0])), lb))
	}
	r.uploads += pb + lb
	return nil
}

// setHUD writes the HUD vertices (small, rewritten whenever the text changes; the caller has
// waited for the previous frame).
func (r *renderer) setHUD(v []HUDVertex) error {
	n := len(v) * int(unsafe.Sizeof(HUDVertex{}))
	if r.hudBuf == nil || r.hudBuf.size < n {
		r.g.freeBuffer(r.hudBuf)
		var err error
		if r.hudBuf, err = r.g.newBuffer(max(n*2, 64<<10), vulkan.BufferUsageVertexBufferBit); err != nil {
			r.hudBuf = nil
			return err
		}
	}
	if n > 0 {
		copy(r.hudBuf.mapped, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), n))
	}
	r.hudCount = len(v)
	return nil
}

type pointPush struct {
	M     [16]float32
	P     [4]float32
	Q     [4]uint32
	HL    [4]uint32
	Extra [4]uint32 // pads to 128 bytes
}

type linePush struct {
	M    [16]float32
	Tint [4]float32
}

// record writes the draws of one frame into cb (inside the render pass for fb).
func (r *renderer) record(cb vulkan.CommandBuffer, fb vulkan.Framebuffer, w, h int, st *State) {
	clear := []vulkan.ClearValue{vulkan.NewClearValue(background[:]), vulkan.NewClearDepthStencil(1, 0)}
	rbi := vulkan.RenderPassBeginInfo{
		SType: vulkan.StructureTypeRenderPassBeginInfo, RenderPass: r.rp, Framebuffer: fb,
		RenderArea:      vulkan.Rect2D{Extent: vulkan.Extent2D{Width: uint32(w), Height: uint32(h)}},
		ClearValueCount: 2, PClearValues: clear,
	}
	vulkan.CmdBeginRenderPass(cb, &rbi, vulkan.SubpassContentsInline)
	rbi.Free() // also keeps clear (passed as a Go pointer) alive until here
	cmdViewport(cb, w, h)
	for _, d := range r.draws(st, float64(w)/float64(h)) {
		if d.count == 0 {
			continue
		}
		vulkan.CmdBindPipeline(cb, vulkan.PipelineBindPointGraphics, d.pipe)
		vulkan.CmdBindVertexBuffers(cb, 0, 1, []vulkan.Buffer{d.buf.buf}, []vulkan.DeviceSize{0})
		vulkan.CmdPushConstants(cb, r.layout, vulkan.ShaderStageFlags(vulkan.ShaderStageVertexBit), 0, uint32(len(d.push)), unsafe.Pointer(&d.push[0]))
		vulkan.CmdDraw(cb, uint32(d.count), 1, uint32(d.first), 0)
	}
	if st.HUD && r.hudCount > 0 {
		size := [4]float32{float32(w), float32(h), 0, 0}
		vulkan.CmdBindPipeline(cb, vulkan.PipelineBindPointGraphics, r.hud)
		vulkan.CmdBindVertexBuffers(cb, 0, 1, []vulkan.Buffer{r.hudBuf.buf}, []vulkan.DeviceSize{0})
		vulkan.CmdPushConstants(cb, r.layout, vulkan.ShaderStageFlags(vulkan.ShaderStageVertexBit), 0, 16, unsafe.Pointer(&size[0]))
		vulkan.CmdDraw(cb, uint32(r.hudCount), 1, 0, 0)
	}
	vulkan.CmdEndRenderPass(cb)
}

// draw is one draw call.
type draw struct {
	pipe         vulkan.Pipeline
	buf          *buffer
	first, count int
	push         []byte
}

func bytesOf[T any](v *T) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v)) }

// draws lists the draw calls for st: they only select ranges of the uploaded buffers.
func (r *renderer) draws(st *State, aspect float64) []draw {
	geo := r.geo
	m := st.ViewProj(aspect)
	t := min(max(st.Frame, 0), geo.N-1)
	var out []draw

	pp := pointPush{M: m}
	pp.P = [4]float32{min(st.PointSize, r.g.d.Info().MaxPointSize), float32(math.Ceil(st.ConfPct / 100 * 255)), float32(geo.N - 1), 0.35}
	pp.Q = [4]uint32{uint32(st.ColorBy), uint32(max(st.Stride, 1)), 0, 0}
	if q := st.Question; q != nil {
		pp.Q[2], pp.Q[3] = uint32(q.Start), uint32(q.End)
		pp.HL = q.highlight()
	}
	push := bytesOf(&pp)
	var bg, obj Range
	switch st.Mode {
	case ModeCurrent:
		bg, obj = geo.Bg[t], geo.Obj[t]
	case ModeAccumulate:
		bg, obj = geo.Static, geo.Obj[t]
		if bg.Count == 0 {
			bg = span(geo.Bg, 0, geo.N-1)
		}
	case ModeTrail:
		k := max(st.Trail, 1)
		bg, obj = span(geo.Bg, t-k+1, t), span(geo.Obj, t-k+1, t)
	}
	out = append(out, draw{r.points, r.pointBuf, bg.First, bg.Count, push}, draw{r.points, r.pointBuf, obj.First, obj.Count, push})

	line := func(rg Range, tint [4]float32, pipe vulkan.Pipeline) {
		lp := linePush{M: m, Tint: tint}
		out = append(out, draw{pipe, r.lineBuf, rg.First, rg.Count, bytesOf(&lp)})
	}
	if st.Frustums {
		line(geo.Path, [4]float32{1, 1, 1, 1}, r.lines)
		switch st.Mode {
		case ModeAccumulate:
			line(span(geo.Frustum, 0, geo.N-1), [4]float32{0.35, 0.35, 0.4, 1}, r.lines)
		case ModeTrail:
			line(span(geo.Frustum, t-st.Trail+1, t), [4]float32{0.35, 0.35, 0.4, 1}, r.lines)
		}
		if st.Cam.Through < 0 {
			line(geo.Frustum[t], [4]float32{1, 0.9, 0.3, 1}, r.lines)
		}
	}
	if st.Objects {
		line(span(geo.Trail, t-st.ObjTrail+1, t), [4]float32{1, 1, 1, 1}, r.top)
		line(geo.Marker[t], [4]float32{1, 1, 1, 1}, r.top)
		line(geo.Arrow[t], [4]float32{1, 1, 1, 1}, r.top)
	}
	if q := st.Question; q != nil && geo.Axes != nil {
		line(span(geo.Trail, q.Start+1, q.End), [4]float32{1, 1, 1, 1}, r.top)
		line(geo.Axes[t], [4]float32{1, 1, 1, 1}, r.top)
	}
	return out
}

func (r *renderer) destroy() {
	g := r.g
	for _, p := range []*vulkan.Pipeline{&r.points, &r.lines, &r.top, &r.hud} {
		if *p != vulkan.NullPipeline {
			vulkan.DestroyPipeline(g.dev, *p, nil)
			g.add("pipeline", -1)
			*p = vulkan.NullPipeline
		}
	}
	g.d.DestroyPipelineLayout(r.layout)
	r.layout = vulkan.NullPipelineLayout
	if r.rp != vulkan.NullRenderPass {
		vulkan.DestroyRenderPass(g.dev, r.rp, nil)
		g.add("render_pass", -1)
		r.rp = vulkan.NullRenderPass
	}
	for _, b := range []**buffer{&r.pointBuf, &r.lineBuf, &r.hudBuf} {
		g.freeBuffer(*b)
		*b = nil
	}
}

// newFramebuffer binds a colour view and a depth view of w×h.
func (r *renderer) newFramebuffer(color, depth vulkan.ImageView, w, h int) (vulkan.Framebuffer, error) {
	fci := vulkan.FramebufferCreateInfo{
		SType: vulkan.StructureTypeFramebufferCreateInfo, RenderPass: r.rp,
		AttachmentCount: 2, PAttachments: []vulkan.ImageView{color, depth},
		Width: uint32(w), Height: uint32(h), Layers: 1,
	}
	var fb vulkan.Framebuffer
	res := vulkan.CreateFramebuffer(r.g.dev, &fci, nil, &fb)
	fci.Free() // after the call: PAttachments is passed as a Go pointer that fci keeps alive
	if err := check("vkCreateFramebuffer", res); err != nil {
		return vulkan.NullFramebuffer, err
	}
	r.g.add("framebuffer", 1)
	return fb, nil
}

func (r *renderer) freeFramebuffer(fb vulkan.Framebuffer) {
	if fb != vulkan.NullFramebuffer {
		vulkan.DestroyFramebuffer(r.g.dev, fb, nil)
		r.g.add("framebuffer", -1)
	}
}

// checkSize rejects framebuffer sizes the device cannot render.
func checkSize(w, h int) error {
	if w < 16 || h < 16 || w > 8192 || h > 8192 {
		return fmt.Errorf("viewer: size %dx%d: want 16..8192 on each side", w, h)
	}
	return nil
}
