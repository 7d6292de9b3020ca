package viewer

import (
	"fmt"
	stdimage "image"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/vk"
)

// Offscreen renders into an image without a window or a display and reads the pixels back.
type Offscreen struct {
	g        *gpu
	r        *renderer
	w, h     int
	color    *image
	depth    *image
	fb       vulkan.Framebuffer
	readback *buffer
	cb       vulkan.CommandBuffer
	fence    vulkan.Fence
}

const offscreenFormat = vulkan.FormatR8g8b8a8Unorm

// NewOffscreen uploads geo and prepares a w×h target. validate turns the Khronos validation
// layer on (so does DSR4D_VALIDATE=1); Messages reports what it said.
func NewOffscreen(geo *Geometry, w, h int, validate bool) (*Offscreen, error) {
	if err := checkSize(w, h); err != nil {
		return nil, err
	}
	g, err := newGPU(validate, nil, nil)
	if err != nil {
		return nil, err
	}
	o := &Offscreen{g: g, w: w, h: h}
	if err := o.init(geo); err != nil {
		o.close()
		return nil, err
	}
	return o, nil
}

func (o *Offscreen) init(geo *Geometry) error {
	g := o.g
	var err error
	if o.r, err = newRenderer(g, geo, offscreenFormat, vulkan.ImageLayoutTransferSrcOptimal); err != nil {
		return err
	}
	if o.color, err = g.newImage(o.w, o.h, offscreenFormat, vulkan.ImageUsageColorAttachmentBit|vulkan.ImageUsageTransferSrcBit, vulkan.ImageAspectColorBit); err != nil {
		return err
	}
	if o.depth, err = g.newImage(o.w, o.h, depthFormat, vulkan.ImageUsageDepthStencilAttachmentBit, vulkan.ImageAspectDepthBit); err != nil {
		return err
	}
	if o.fb, err = o.r.newFramebuffer(o.color.view, o.depth.view, o.w, o.h); err != nil {
		return err
	}
	if o.readback, err = g.newBuffer(4*o.w*o.h, vulkan.BufferUsageTransferDstBit); err != nil {
		return err
	}
	if o.cb, err = g.commandBuffer(); err != nil {
		return err
	}
	o.fence, err = g.newFence(false)
	return err
}

// Device names the Vulkan device.
func (o *Offscreen) Device() string { return o.g.name() }

// Messages returns the validation messages so far.
func (o *Offscreen) Messages() vk.Messages { return o.g.messages() }

// Uploads is the number of bytes of static geometry written to the GPU so far: it is set
// once when the geometry is uploaded and never grows while frames render.
func (o *Offscreen) Uploads() int { return o.r.uploads }

// Live counts live Vulkan objects by kind (all zero after Close).
func (o *Offscreen) Live() map[string]int {
	return o.g.live()
}

// Render draws st and returns the picture.
func (o *Offscreen) Render(st *State) (*stdimage.RGBA, error) {
	if err := o.Draw(st); err != nil {
		return nil, err
	}
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, o.w, o.h))
	copy(img.Pix, o.readback.mapped[:4*o.w*o.h])
	return img, nil
}

// Draw renders st into the target and waits, without converting the pixels (for timing).
func (o *Offscreen) Draw(st *State) error {
	if err := o.r.setHUD(buildHUD(st, o.w, o.h)); err != nil {
		return err
	}
	cb := o.cb
	if err := check("vkResetCommandBuffer", vulkan.ResetCommandBuffer(cb, 0)); err != nil {
		return err
	}
	if err := vk.BeginCommands(cb); err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	o.r.record(cb, o.fb, o.w, o.h, st)
	// The render pass leaves the colour image in TRANSFER_SRC_OPTIMAL after its external dependency.
	cmdCopyImage(cb, o.color.img, o.readback.buf, o.w, o.h)
	vk.CmdMemoryBarrier(cb, vulkan.PipelineStageTransferBit, vulkan.AccessTransferWriteBit, vulkan.PipelineStageHostBit, vulkan.AccessHostReadBit)
	if err := check("vkEndCommandBuffer", vulkan.EndCommandBuffer(cb)); err != nil {
		return err
	}
	if err := o.g.d.Submit(cb, vulkan.NullSemaphore, 0, vulkan.NullSemaphore, o.fence); err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	if err := o.g.waitFence(o.fence); err != nil {
		return err
	}
	return check("vkResetFences", vulkan.ResetFences(o.g.dev, 1, []vulkan.Fence{o.fence}))
}

// Close releases everything; it is safe to call twice.
func (o *Offscreen) Close() {
	o.close()
}

func (o *Offscreen) close() {
	if o.g == nil || o.g.dev == nil {
		return
	}
	g := o.g
	vulkan.DeviceWaitIdle(g.dev)
	g.freeFence(o.fence)
	o.fence = vulkan.NullFence
	g.freeCommandBuffer(o.cb)
	o.cb = nil
	g.freeBuffer(o.readback)
	if o.r != nil {
		o.r.freeFramebuffer(o.fb)
		o.fb = vulkan.NullFramebuffer
	}
	g.freeImage(o.depth)
	g.freeImage(o.color)
	if o.r != nil {
		o.r.destroy()
	}
	g.destroy()
}
