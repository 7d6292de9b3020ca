package vk

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	vulkan "github.com/vulkan-go/vulkan"
)

// Options configure Open. The zero value picks the best device without validation.
type Options struct {
	// Validate enables VK_LAYER_KHRONOS_validation with a debug messenger; DSR4D_VALIDATE=1 does too.
	Validate bool
	// Device selects a device by index or by a case-insensitive substring of its name; empty means
	// DSR4D_DEVICE, and if that is empty too, the best device (discrete > integrated > virtual > CPU).
	Device string
	// CacheDir holds the on-disk pipeline cache; empty means the user cache directory, "off" disables it.
	CacheDir string
	// AppName is reported to the driver.
	AppName string

	// Graphics asks for a queue family with graphics as well as compute (one queue serves both),
	// and enables the largePoints and wideLines features where the device has them.
	Graphics bool
	// InstanceExtensions are enabled on the instance besides the ones vk needs (a window
	// system's surface extensions).
	InstanceExtensions []string
	// Surface, when set, is called once the instance exists; it implies Graphics, only devices
	// whose queue presents to the surface are candidates, VK_KHR_swapchain is enabled and the
	// Device owns the surface (Close destroys it).
	Surface func(vulkan.Instance) (vulkan.Surface, error)
}

// ValidationLayer is the Khronos validation layer's name.
const ValidationLayer = "VK_LAYER_KHRONOS_validation"

const validationLayer = ValidationLayer

var loaderOnce struct {
	sync.Once
	err error
}

// ValidationLayerInstalled reports whether ValidationLayer can be enabled.
func ValidationLayerInstalled() bool { return initLoader() == nil && hasInstanceLayer(validationLayer) }

// initLoader finds libvulkan.so once per process.
func initLoader() error {
	loaderOnce.Do(func() {
		if err := vulkan.SetDefaultGetInstanceProcAddr(); err != nil {
			loaderOnce.err = fmt.Errorf("%w: the Vulkan loader libvulkan.so was not found; %s", ErrNoDevice, installHint)
			return
		}
		if err := vulkan.Init(); err != nil {
			loaderOnce.err = fmt.Errorf("%w: initialising the Vulkan loader: %v; %s", ErrNoDevice, err, installHint)
		}
	})
	return loaderOnce.err
}

// ValidationRequested reports whether the layer is wanted: asked for by the caller, or by
// DSR4D_VALIDATE=1 (the one place the variable is read; package viewer uses it too).
func ValidationRequested(asked bool) bool {
	v, _ := strconv.ParseBool(os.Getenv("DSR4D_VALIDATE"))
	return asked || v
}

// instance is a VkInstance with its optional messenger.
type instance struct {
	vk    vulkan.Instance
	debug *messenger
}

func newInstance(appName string, validate bool, extra []string) (*instance, error) {
	if err := initLoader(); err != nil {
		return nil, err
	}
	var layers []string
	exts := append([]string(nil), extra...)
	if validate {
		if !hasInstanceLayer(validationLayer) {
			return nil, fmt.Errorf("validation requested but %s is not installed: apt-get install -y vulkan-validationlayers", validationLayer)
		}
		layers = append(layers, validationLayer)
		exts = append(exts, "VK_EXT_debug_report")
	}
	if appName == "" {
		appName = "dsr4d"
	}
	inst, r := createInstance(appName, vulkan.MakeVersion(1, 1, 0), layers, exts)
	if r == vulkan.ErrorIncompatibleDriver {
		return nil, fmt.Errorf("%w: no driver supports Vulkan 1.1; %s", ErrNoDevice, installHint)
	}
	if err := check("vkCreateInstance", r); err != nil {
		return nil, err
	}
	if err := vulkan.InitInstance(inst); err != nil {
		vulkan.DestroyInstance(inst, nil)
		return nil, fmt.Errorf("loading instance functions: %v", err)
	}
	in := &instance{vk: inst}
	if validate {
		m, err := newMessenger(inst)
		if err != nil {
			vulkan.DestroyInstance(inst, nil)
			return nil, err
		}
		in.debug = m
	}
	return in, nil
}

func (in *instance) destroy() {
	if in.debug != nil {
		in.debug.destroy(in.vk) // its counts stay readable: Messages after Close sees Close's own
	}
	vulkan.DestroyInstance(in.vk, nil)
}

func (in *instance) physicalDevices() ([]vulkan.PhysicalDevice, []Info, error) {
	var n uint32
	if err := check("vkEnumeratePhysicalDevices", vulkan.EnumeratePhysicalDevices(in.vk, &n, nil)); err != nil {
		return nil, nil, err
	}
	pds := make([]vulkan.PhysicalDevice, n)
	if err := check("vkEnumeratePhysicalDevices", vulkan.EnumeratePhysicalDevices(in.vk, &n, pds)); err != nil {
		return nil, nil, err
	}
	pds = pds[:n]
	infos := make([]Info, n)
	for i, pd := range pds {
		infos[i] = describe(in.vk, pd, i)
	}
	return pds, infos, nil
}

// choose returns the position in infos of the device to use: the one selector names (the Index of
// an Info, or a case-insensitive name substring) when given, else the best type (discrete >
// integrated > virtual > CPU); devices older than Vulkan 1.1 are never picked automatically.
// Open uses it over the devices with the queue it needs.
func choose(infos []Info, selector string) (int, error) {
	if len(infos) == 0 {
		return -1, fmt.Errorf("%w: the Vulkan loader found no device; %s", ErrNoDevice, installHint)
	}
	if selector != "" {
		if idx, err := strconv.Atoi(selector); err == nil {
			for i, info := range infos {
				if info.Index == idx { // the index dsr4d devices shows
					return i, nil
				}
			}
		} else {
			for i, info := range infos {
				if strings.Contains(strings.ToLower(info.Name), strings.ToLower(selector)) {
					return i, nil
				}
			}
		}
		return -1, fmt.Errorf("%w: DSR4D_DEVICE=%q matches no device; devices: %s", ErrNoDevice, selector, listNames(infos))
	}
	best := -1
	for i, info := range infos {
		if info.api < vulkan.MakeVersion(1, 1, 0) {
			continue
		}
		if best < 0 || info.Type.rank() > infos[best].Type.rank() {
			best = i
		}
	}
	if best < 0 {
		return -1, fmt.Errorf("%w: no device supports Vulkan 1.1; devices: %s", ErrNoDevice, listNames(infos))
	}
	return best, nil
}

func listNames(infos []Info) string {
	parts := make([]string, len(infos))
	for i, info := range infos {
		parts[i] = fmt.Sprintf("%d %q (%s)", i, info.Name, info.Type)
	}
	return strings.Join(parts, ", ")
}

func selector(opts Options) string {
	if opts.Device != "" {
		return opts.Device
	}
	return os.Getenv("DSR4D_DEVICE")
}

// Devices lists every Vulkan device with Selected set on the one Open would choose.
func Devices(opts Options) ([]Info, error) {
	infos, err := devices(opts)
	return infos, prefixed(err)
}

func devices(opts Options) ([]Info, error) {
	in, err := newInstance(opts.AppName, false, nil)
	if err != nil {
		return nil, err
	}
	defer in.destroy()
	_, infos, err := in.physicalDevices()
	if err != nil {
		return nil, err
	}
	i, err := choose(infos, selector(opts))
	if err != nil {
		return infos, err
	}
	infos[i].Selected = true
	return infos, nil
}

// Device is an opened Vulkan device with one queue (compute, or graphics and compute when
// Options.Graphics or Surface asks). Its methods are safe for concurrent use; submissions to the
// queue are serialised.
type Device struct {
	in          *instance
	pd          vulkan.PhysicalDevice
	dev         vulkan.Device
	queue       vulkan.Queue
	queueFamily uint32
	surface     vulkan.Surface // owned; NullSurface for compute
	info        Info

	submitMu sync.Mutex // guards queue
	live     liveCounter

	mu        sync.Mutex // guards the fields below
	closed    bool
	mem       *allocator
	kernels   map[kernelKey]*kernelEntry
	building  sync.WaitGroup // pipelines being built outside mu
	modules   map[string]vulkan.ShaderModule
	recorders map[*Recorder]struct{}
	pcache    *pipelineCache

	ring stagingRing // Upload and Download of memory the host cannot map
}

// Open creates a Device per opts (see Options for the environment variables it reads).
func Open(opts Options) (*Device, error) {
	graphics := opts.Graphics || opts.Surface != nil
	in, err := newInstance(opts.AppName, ValidationRequested(opts.Validate), opts.InstanceExtensions)
	if err != nil {
		return nil, prefixed(err)
	}
	d := &Device{in: in, surface: vulkan.NullSurface}
	if err := d.open(opts, graphics); err != nil {
		if d.surface != vulkan.NullSurface {
			vulkan.DestroySurface(in.vk, d.surface, nil)
		}
		in.destroy()
		return nil, prefixed(err)
	}
	d.kernels = map[kernelKey]*kernelEntry{}
	d.modules = map[string]vulkan.ShaderModule{}
	d.recorders = map[*Recorder]struct{}{}
	d.mem = newAllocator(d)
	d.pcache = openPipelineCache(d, opts.CacheDir)
	return d, nil
}

// open creates the surface, chooses the device and a queue family, and creates the VkDevice.
func (d *Device) open(opts Options, graphics bool) error {
	if opts.Surface != nil {
		s, err := opts.Surface(d.in.vk)
		if err != nil {
			return err
		}
		d.surface = s
	}
	pds, infos, err := d.in.physicalDevices()
	if err != nil {
		return err
	}
	// Candidates are the devices with a usable queue family; Info.Index keeps the position
	// dsr4d devices shows, so DSR4D_DEVICE means the same device for every use.
	var cands []Info
	var families []int
	for i, pd := range pds {
		if fam := d.pickFamily(pd, graphics); fam >= 0 {
			cands = append(cands, infos[i])
			families = append(families, fam)
		}
	}
	if len(cands) == 0 {
		what := "a compute queue"
		if graphics {
			what = "a graphics and compute queue"
		}
		if d.surface != vulkan.NullSurface {
			what += " that presents to the window"
		}
		return fmt.Errorf("%w: no device has %s; devices: %s", ErrNoDevice, what, listNames(infos))
	}
	c, err := choose(cands, selector(opts))
	if err != nil {
		return err
	}
	d.info, d.pd, d.queueFamily = cands[c], pds[cands[c].Index], uint32(families[c])
	d.info.Selected = true
	var exts []string
	var feats deviceFeatures
	if graphics {
		feats = deviceFeatures{largePoints: d.info.LargePoints, wideLines: d.info.WideLines}
	}
	if d.surface != vulkan.NullSurface {
		exts = append(exts, "VK_KHR_swapchain")
	}
	dev, r := createDevice(d.pd, []uint32{d.queueFamily}, exts, feats)
	if err := check("vkCreateDevice", r); err != nil {
		return err
	}
	d.dev = dev
	var q vulkan.Queue
	vulkan.GetDeviceQueue(dev, d.queueFamily, 0, &q)
	d.queue = q
	return nil
}

// pickFamily returns the family Open would use on pd, or -1: for compute a compute-only family
// (async compute on GPUs) if there is one, else any with compute; for graphics one with graphics
// and compute that presents to the surface (if any).
func (d *Device) pickFamily(pd vulkan.PhysicalDevice, graphics bool) int {
	family := -1
	for i, flags := range queueFamilies(pd) {
		if flags&vulkan.QueueComputeBit == 0 {
			continue
		}
		if graphics {
			if flags&vulkan.QueueGraphicsBit == 0 {
				continue
			}
			if d.surface != vulkan.NullSurface {
				var ok vulkan.Bool32
				if vulkan.GetPhysicalDeviceSurfaceSupport(pd, uint32(i), d.surface, &ok) != vulkan.Success || ok != vulkan.True {
					continue
				}
			}
			return i
		}
		if family < 0 || flags&vulkan.QueueGraphicsBit == 0 {
			family = i
			if flags&vulkan.QueueGraphicsBit == 0 {
				break
			}
		}
	}
	return family
}

// Info describes the opened device.
func (d *Device) Info() Info { return d.info }

// Messages returns the validation messages received so far (zero when validation is off).
func (d *Device) Messages() Messages {
	if d.in == nil || d.in.debug == nil {
		return Messages{}
	}
	return d.in.debug.snapshot()
}

// Validating reports whether the validation layer is on.
func (d *Device) Validating() bool { return d.in != nil && d.in.debug != nil }

// Live returns the number of live Vulkan objects by kind; after Close every count is zero.
func (d *Device) Live() map[string]int { return d.live.snapshot() }

// Close waits for the device to go idle and releases everything it still owns, in reverse order
// of creation: recorders, kernels, buffers and memory, the pipeline cache (saved to disk first),
// the device and the instance. Close is idempotent.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	d.building.Wait() // no new build starts once closed

	d.submitMu.Lock()
	idleErr := check("vkDeviceWaitIdle", vulkan.DeviceWaitIdle(d.dev))
	d.submitMu.Unlock()

	var errs []error
	if errors.Is(idleErr, ErrDeviceLost) {
		errs = append(errs, idleErr)
	}
	for r := range d.recorders {
		r.destroy()
	}
	d.recorders = nil
	for _, e := range d.kernels {
		if e.k != nil {
			e.k.destroy()
		}
	}
	d.kernels = nil
	for name, m := range d.modules {
		vulkan.DestroyShaderModule(d.dev, m, nil)
		d.live.add("shader_module", -1)
		delete(d.modules, name)
	}
	d.mem.destroy()
	d.pcache.close()
	vulkan.DestroyDevice(d.dev, nil)
	if d.surface != vulkan.NullSurface { // after the swapchains (the viewer's), before the instance
		vulkan.DestroySurface(d.in.vk, d.surface, nil)
	}
	d.in.destroy()
	return prefixed(errors.Join(errs...))
}

// liveCounter counts live Vulkan objects by kind so tests can prove nothing leaks.
type liveCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *liveCounter) add(kind string, delta int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[kind] += delta
}

func (c *liveCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}
