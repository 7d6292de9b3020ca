package viewer

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"
	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/vk"
)

// Window is an interactive GLFW window (no client API) presenting through a Vulkan swapchain.
// Every method must be called from the main OS thread (see the package doc).
type Window struct {
	win  *glfw.Window
	g    *gpu
	surf vulkan.Surface
	r    *renderer
	st   *State

	sc       vulkan.Swapchain
	format   vulkan.Format
	w, h     int
	images   []vulkan.Image
	views    []vulkan.ImageView
	fbs      []vulkan.Framebuffer
	depth    *image
	rendered []vulkan.Semaphore // per swapchain image: rendering finished, presentation waits
	acquired vulkan.Semaphore
	cb       vulkan.CommandBuffer
	fence    vulkan.Fence

	last     time.Time
	dragging glfw.MouseButton
	panning  bool
	drag     bool
	mx, my   float64

	// Frames counts presented frames.
	Frames int
}

// RunWindow opens a w×h window on geo with st and runs it until it is closed (Esc or the window
// manager). It must run on the main OS thread.
func RunWindow(geo *Geometry, st *State, w, h int, validate bool) error {
	win, err := OpenWindow(geo, st, w, h, validate)
	if err != nil {
		return err
	}
	defer win.Close()
	for {
		ok, err := win.Frame()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
	}
	if m := win.Messages(); m.Total() > 0 {
		return fmt.Errorf("viewer: %d Vulkan validation messages, first: %s", m.Total(), m.Texts[0])
	}
	return nil
}

// OpenWindow creates the window, the Vulkan device presenting to it and the swapchain.
func OpenWindow(geo *Geometry, st *State, w, h int, validate bool) (*Window, error) {
	if err := checkSize(w, h); err != nil {
		return nil, err
	}
	// go-gl's Init logs GLFW's platform errors instead of returning them: check the display first
	// (this build of GLFW uses X11 on Linux).
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" {
		return nil, fmt.Errorf("%w: DISPLAY is not set (run under X, or Xvfb :99 & DISPLAY=:99; --screenshot needs no display)", errNoWindow)
	}
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("%w: GLFW: %v (is DISPLAY set? under CI run Xvfb)", errNoWindow, err)
	}
	if !glfw.VulkanSupported() {
		glfw.Terminate()
		return nil, fmt.Errorf("%w: GLFW did not initialise (no X server at DISPLAY=%q?) or found no Vulkan loader: %w", errNoWindow, os.Getenv("DISPLAY"), vk.ErrNoDevice)
	}
	glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	glfw.WindowHint(glfw.Resizable, glfw.True)
	win, err := glfw.CreateWindow(w, h, "dsr4d view: "+geo.VideoID, nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("%w: %v", errNoWindow, err)
	}
	wd := &Window{win: win, st: st, last: time.Now()}
	exts := win.GetRequiredInstanceExtensions()
	g, err := newGPU(validate, exts, func(inst vulkan.Instance) (vulkan.Surface, error) {
		s, err := createWindowSurface(inst, win.Handle())
		if err != nil {
			return vulkan.NullSurface, fmt.Errorf("viewer: %w", err)
		}
		return s, nil
	})
	if err != nil {
		win.Destroy()
		glfw.Terminate()
		return nil, err
	}
	wd.g, wd.surf = g, g.h.Surface
	if err := wd.init(geo); err != nil {
		wd.close()
		return nil, err
	}
	win.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, mods glfw.ModifierKey) {
		wd.onKey(key, action, mods)
	})
	win.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, action glfw.Action, mods glfw.ModifierKey) {
		wd.onButton(b, action, mods)
	})
	win.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) { wd.onCursor(x, y) })
	win.SetScrollCallback(func(_ *glfw.Window, _, y float64) { wd.st.Zoom(y) })
	return wd, nil
}

func (wd *Window) init(geo *Geometry) error {
	g := wd.g
	formats, err := surfaceFormats(g.h.PhysicalDevice, wd.surf)
	if err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	if len(formats) == 0 {
		return fmt.Errorf("viewer: the surface offers no formats")
	}
	wd.format = formats[0]
	for _, f := range formats {
		if f == vulkan.FormatB8g8r8a8Unorm || f == vulkan.FormatR8g8b8a8Unorm {
			wd.format = f
			break
		}
	}
	if wd.r, err = newRenderer(g, geo, wd.format, vulkan.ImageLayoutPresentSrc); err != nil {
		return err
	}
	if wd.cb, err = g.commandBuffer(); err != nil {
		return err
	}
	if wd.fence, err = g.newFence(false); err != nil {
		return err
	}
	if wd.acquired, err = wd.newSemaphore(); err != nil {
		return err
	}
	return wd.createSwapchain()
}

func (wd *Window) newSemaphore() (vulkan.Semaphore, error) {
	var s vulkan.Semaphore
	sci := vulkan.SemaphoreCreateInfo{SType: vulkan.StructureTypeSemaphoreCreateInfo}
	r := vulkan.CreateSemaphore(wd.g.dev, &sci, nil, &s)
	sci.Free()
	if err := check("vkCreateSemaphore", r); err != nil {
		return vulkan.NullSemaphore, err
	}
	wd.g.add("semaphore", 1)
	return s, nil
}

func (wd *Window) freeSemaphore(s vulkan.Semaphore) {
	if s != vulkan.NullSemaphore {
		vulkan.DestroySemaphore(wd.g.dev, s, nil)
		wd.g.add("semaphore", -1)
	}
}

// createSwapchain (re)creates the swapchain, its views, framebuffers and the depth image for
// the window's framebuffer size. A zero size (minimised) leaves no swapchain.
func (wd *Window) createSwapchain() error {
	g := wd.g
	var caps vulkan.SurfaceCapabilities
	if err := check("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", vulkan.GetPhysicalDeviceSurfaceCapabilities(g.h.PhysicalDevice, wd.surf, &caps)); err != nil {
		return err
	}
	caps.Deref()
	caps.CurrentExtent.Deref()
	caps.MinImageExtent.Deref()
	caps.MaxImageExtent.Deref()
	caps.Free()
	fw, fh := wd.win.GetFramebufferSize()
	w, h := uint32(fw), uint32(fh)
	if caps.CurrentExtent.Width != 0xFFFFFFFF {
		w, h = caps.CurrentExtent.Width, caps.CurrentExtent.Height
	}
	w = min(max(w, caps.MinImageExtent.Width), caps.MaxImageExtent.Width)
	h = min(max(h, caps.MinImageExtent.Height), caps.MaxImageExtent.Height)
	old := wd.sc
	wd.destroySwapchainResources()
	if w == 0 || h == 0 {
		if old != vulkan.NullSwapchain {
			vulkan.DestroySwapchain(g.dev, old, nil)
			g.add("swapchain", -1)
		}
		wd.sc, wd.w, wd.h = vulkan.NullSwapchain, 0, 0
		return nil
	}
	count := caps.MinImageCount + 1
	if caps.MaxImageCount > 0 && count > caps.MaxImageCount {
		count = caps.MaxImageCount
	}
	mode := vulkan.PresentModeFifo
	var nm uint32
	vulkan.GetPhysicalDeviceSurfacePresentModes(g.h.PhysicalDevice, wd.surf, &nm, nil)
	modes := make([]vulkan.PresentMode, nm)
	vulkan.GetPhysicalDeviceSurfacePresentModes(g.h.PhysicalDevice, wd.surf, &nm, modes)
	for _, m := range modes[:nm] {
		if m == vulkan.PresentModeMailbox {
			mode = m
		}
	}
	alpha := vulkan.CompositeAlphaOpaqueBit
	if vulkan.CompositeAlphaFlagBits(caps.SupportedCompositeAlpha)&alpha == 0 {
		alpha = vulkan.CompositeAlphaInheritBit
	}
	sci := vulkan.SwapchainCreateInfo{
		SType:            vulkan.StructureTypeSwapchainCreateInfo,
		Surface:          wd.surf,
		MinImageCount:    count,
		ImageFormat:      wd.format,
		ImageColorSpace:  vulkan.ColorSpaceSrgbNonlinear,
		ImageExtent:      vulkan.Extent2D{Width: w, Height: h},
		ImageArrayLayers: 1,
		ImageUsage:       vulkan.ImageUsageFlags(vulkan.ImageUsageColorAttachmentBit),
		ImageSharingMode: vulkan.SharingModeExclusive,
		PreTransform:     caps.CurrentTransform,
		CompositeAlpha:   alpha,
		PresentMode:      mode,
		Clipped:          vulkan.True,
		OldSwapchain:     old,
	}
	var sc vulkan.Swapchain
	r := vulkan.CreateSwapchain(g.dev, &sci, nil, &sc)
	sci.Free()
	if old != vulkan.NullSwapchain {
		vulkan.DestroySwapchain(g.dev, old, nil)
		g.add("swapchain", -1)
	}
	wd.sc = vulkan.NullSwapchain
	if err := check("vkCreateSwapchainKHR", r); err != nil {
		return err
	}
	g.add("swapchain", 1)
	wd.sc, wd.w, wd.h = sc, int(w), int(h)
	var ni uint32
	vulkan.GetSwapchainImages(g.dev, sc, &ni, nil)
	wd.images = make([]vulkan.Image, ni)
	if err := check("vkGetSwapchainImagesKHR", vulkan.GetSwapchainImages(g.dev, sc, &ni, wd.images)); err != nil {
		return err
	}
	var err error
	if wd.depth, err = g.newImage(wd.w, wd.h, depthFormat, vulkan.ImageUsageDepthStencilAttachmentBit, vulkan.ImageAspectDepthBit); err != nil {
		return err
	}
	for _, img := range wd.images {
		v, err := g.newView(img, wd.format, vulkan.ImageAspectColorBit)
		if err != nil {
			return err
		}
		wd.views = append(wd.views, v)
		fb, err := wd.r.newFramebuffer(v, wd.depth.view, wd.w, wd.h)
		if err != nil {
			return err
		}
		wd.fbs = append(wd.fbs, fb)
		s, err := wd.newSemaphore()
		if err != nil {
			return err
		}
		wd.rendered = append(wd.rendered, s)
	}
	return nil
}

// destroySwapchainResources releases what hangs off the swapchain (not the swapchain itself).
func (wd *Window) destroySwapchainResources() {
	g := wd.g
	vulkan.DeviceWaitIdle(g.dev)
	for _, fb := range wd.fbs {
		wd.r.freeFramebuffer(fb)
	}
	for _, v := range wd.views {
		g.freeView(v)
	}
	for _, s := range wd.rendered {
		wd.freeSemaphore(s)
	}
	wd.fbs, wd.views, wd.rendered, wd.images = nil, nil, nil, nil
	if wd.depth != nil {
		g.freeImage(wd.depth)
		wd.depth = nil
	}
}

// Frame processes input, advances playback and presents one frame. It returns false once the
// window should close.
func (wd *Window) Frame() (bool, error) {
	glfw.PollEvents()
	if wd.win.ShouldClose() || wd.st.Quit {
		return false, nil
	}
	now := time.Now()
	wd.st.Tick(now.Sub(wd.last).Seconds())
	wd.st.FrameTime = now.Sub(wd.last)
	wd.last = now
	if fw, fh := wd.win.GetFramebufferSize(); fw != wd.w || fh != wd.h || wd.sc == vulkan.NullSwapchain {
		if err := wd.createSwapchain(); err != nil {
			return false, err
		}
		if wd.sc == vulkan.NullSwapchain {
			time.Sleep(20 * time.Millisecond) // minimised
			return true, nil
		}
	}
	var idx uint32
	r := vulkan.AcquireNextImage(wd.g.dev, wd.sc, ^uint64(0), wd.acquired, vulkan.NullFence, &idx)
	if r == vulkan.ErrorOutOfDate {
		return true, wd.createSwapchain()
	}
	if r != vulkan.Suboptimal {
		if err := check("vkAcquireNextImageKHR", r); err != nil {
			return false, err
		}
	}
	if err := wd.r.setHUD(buildHUD(wd.st, wd.w, wd.h)); err != nil {
		return false, err
	}
	cb := wd.cb
	if err := check("vkResetCommandBuffer", vulkan.ResetCommandBuffer(cb, 0)); err != nil {
		return false, err
	}
	if err := vk.BeginCommands(cb); err != nil {
		return false, fmt.Errorf("viewer: %w", err)
	}
	wd.r.record(cb, wd.fbs[idx], wd.w, wd.h, wd.st)
	if err := check("vkEndCommandBuffer", vulkan.EndCommandBuffer(cb)); err != nil {
		return false, err
	}
	if err := wd.g.d.Submit(cb, wd.acquired, vulkan.PipelineStageColorAttachmentOutputBit, wd.rendered[idx], wd.fence); err != nil {
		return false, fmt.Errorf("viewer: %w", err)
	}
	pr := wd.g.d.Present(wd.sc, idx, wd.rendered[idx])
	if err := wd.g.waitFence(wd.fence); err != nil {
		return false, err
	}
	if err := check("vkResetFences", vulkan.ResetFences(wd.g.dev, 1, []vulkan.Fence{wd.fence})); err != nil {
		return false, err
	}
	wd.Frames++
	switch pr {
	case vulkan.Success:
	case vulkan.ErrorOutOfDate, vulkan.Suboptimal:
		return true, wd.createSwapchain()
	default:
		return false, check("vkQueuePresentKHR", pr)
	}
	return true, nil
}

// State returns the state the window shows (and its keys change).
func (wd *Window) State() *State { return wd.st }

// Messages returns the validation messages so far.
func (wd *Window) Messages() vk.Messages { return wd.g.messages() }

// Uploads is the number of bytes of static geometry written to the GPU (see Offscreen.Uploads).
func (wd *Window) Uploads() int { return wd.r.uploads }

// Size is the swapchain size.
func (wd *Window) Size() (int, int) { return wd.w, wd.h }

// Close releases everything and closes the window.
func (wd *Window) Close() {
	wd.close()
}

func (wd *Window) close() {
	g := wd.g
	if g != nil && g.dev != nil {
		vulkan.DeviceWaitIdle(g.dev)
		if wd.r != nil {
			wd.destroySwapchainResources()
		}
		if wd.sc != vulkan.NullSwapchain {
			vulkan.DestroySwapchain(g.dev, wd.sc, nil)
			g.add("swapchain", -1)
			wd.sc = vulkan.NullSwapchain
		}
		wd.freeSemaphore(wd.acquired)
		wd.acquired = vulkan.NullSemaphore
		g.freeFence(wd.fence)
		wd.fence = vulkan.NullFence
		g.freeCommandBuffer(wd.cb)
		wd.cb = nil
		if wd.r != nil {
			wd.r.destroy()
			wd.r = nil
		}
		g.destroy() // the device destroys the surface after itself
		wd.surf = vulkan.NullSurface
	}
	if wd.win != nil {
		wd.win.Destroy()
		wd.win = nil
		glfw.Terminate()
	}
}

// Live counts live Vulkan objects by kind (all zero after Close).
func (wd *Window) Live() map[string]int {
	return wd.g.live()
}

var keyMap = map[glfw.Key]Key{
	glfw.KeySpace: KeySpace, glfw.KeyLeft: KeyLeft, glfw.KeyRight: KeyRight, glfw.KeyUp: KeyUp, glfw.KeyDown: KeyDown,
	glfw.KeyLeftBracket: KeyBracketLeft, glfw.KeyRightBracket: KeyBracketRight, glfw.KeyHome: KeyHome, glfw.KeyEnd: KeyEnd,
	glfw.KeyL: KeyLoop, glfw.KeyM: KeyMode, glfw.KeyK: KeyTrailMore, glfw.KeyJ: KeyTrailLess,
	glfw.Key1: KeyColor1, glfw.Key2: KeyColor2, glfw.Key3: KeyColor3, glfw.Key4: KeyColor4,
	glfw.KeyEqual: KeyBigger, glfw.KeyKPAdd: KeyBigger, glfw.KeyMinus: KeySmaller, glfw.KeyKPSubtract: KeySmaller,
	glfw.KeyP: KeyConf, glfw.KeyN: KeyStride, glfw.KeyF: KeyFrustums, glfw.KeyO: KeyObjects, glfw.KeyH: KeyHUD,
	glfw.KeyC: KeyThrough, glfw.KeyR: KeyReset, glfw.KeyW: KeyW, glfw.KeyA: KeyA, glfw.KeyS: KeyS, glfw.KeyD: KeyD,
	glfw.KeyQ: KeyQ, glfw.KeyE: KeyE, glfw.KeyEscape: KeyEscape, glfw.KeyF1: KeyHelp, glfw.KeySlash: KeyHelp,
}

// onKey is the GLFW key callback (tests call it to inject keys).
func (wd *Window) onKey(key glfw.Key, action glfw.Action, _ glfw.ModifierKey) {
	if action == glfw.Release {
		return
	}
	if k, ok := keyMap[key]; ok {
		wd.st.Press(k)
	}
}

// onButton is the GLFW mouse-button callback: left drags orbit, right/middle (or shift+left) pan.
func (wd *Window) onButton(b glfw.MouseButton, action glfw.Action, mods glfw.ModifierKey) {
	if action == glfw.Press {
		wd.drag, wd.dragging = true, b
		wd.panning = b != glfw.MouseButtonLeft || mods&glfw.ModShift != 0
		if wd.win != nil {
			wd.mx, wd.my = wd.win.GetCursorPos()
		}
	} else if action == glfw.Release && b == wd.dragging {
		wd.drag = false
	}
}

// onCursor is the GLFW cursor callback.
func (wd *Window) onCursor(x, y float64) {
	dx, dy := x-wd.mx, y-wd.my
	wd.mx, wd.my = x, y
	if !wd.drag {
		return
	}
	if wd.panning {
		wd.st.Pan(dx, dy, float64(max(wd.h, 1)))
	} else {
		wd.st.Orbit(dx, dy)
	}
}
