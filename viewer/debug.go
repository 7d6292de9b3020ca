package viewer

/*
#cgo CFLAGS: -DVK_NO_PROTOTYPES
#cgo LDFLAGS: -lpthread
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

// vulkan-go resolves vkGetInstanceProcAddr into this global (package vk uses it the same way).
extern PFN_vkGetInstanceProcAddr vgo_vkGetInstanceProcAddr;

// The viewer's validation messages are collected in C: vulkan-go keeps a single process-wide Go
// debug callback (the first one registered wins, which package vk owns), so this callback is a C
// function of its own and never touches Go.
#define VIEWER_MAX_TEXTS 32
typedef struct {
	pthread_mutex_t mu;
	int count[3]; // error, warning, performance
	int ntexts;
	char texts[VIEWER_MAX_TEXTS][512];
	VkDebugReportCallbackEXT cb;
} viewerMessenger;

static VKAPI_ATTR VkBool32 VKAPI_CALL viewerDebugCallback(VkDebugReportFlagsEXT flags,
		VkDebugReportObjectTypeEXT type, uint64_t object, size_t location, int32_t code,
		const char* layer, const char* msg, void* user) {
	viewerMessenger* m = (viewerMessenger*)user;
	int sev = 1;
	const char* name = "warning";
	if (flags & VK_DEBUG_REPORT_ERROR_BIT_EXT) { sev = 0; name = "error"; }
	else if (flags & VK_DEBUG_REPORT_PERFORMANCE_WARNING_BIT_EXT) { sev = 2; name = "performance"; }
	pthread_mutex_lock(&m->mu);
	m->count[sev]++;
	if (m->ntexts < VIEWER_MAX_TEXTS) {
		snprintf(m->texts[m->ntexts], sizeof m->texts[0], "%s: [%s] %d %s", name, layer ? layer : "", code, msg ? msg : "");
		m->ntexts++;
	}
	pthread_mutex_unlock(&m->mu);
	return VK_FALSE;
}

static viewerMessenger* viewerNewMessenger(void) {
	viewerMessenger* m = (viewerMessenger*)calloc(1, sizeof(viewerMessenger));
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

static VkResult viewerCreateMessenger(VkInstance inst, viewerMessenger* m) {
	PFN_vkCreateDebugReportCallbackEXT create = (PFN_vkCreateDebugReportCallbackEXT)
		vgo_vkGetInstanceProcAddr(inst, "vkCreateDebugReportCallbackEXT");
	if (create == NULL) return VK_ERROR_EXTENSION_NOT_PRESENT;
	VkDebugReportCallbackCreateInfoEXT ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_DEBUG_REPORT_CALLBACK_CREATE_INFO_EXT;
	ci.flags = VK_DEBUG_REPORT_ERROR_BIT_EXT | VK_DEBUG_REPORT_WARNING_BIT_EXT | VK_DEBUG_REPORT_PERFORMANCE_WARNING_BIT_EXT;
	ci.pfnCallback = viewerDebugCallback;
	ci.pUserData = m;
	return create(inst, &ci, NULL, &m->cb);
}

static void viewerDestroyMessenger(VkInstance inst, viewerMessenger* m) {
	PFN_vkDestroyDebugReportCallbackEXT destroy = (PFN_vkDestroyDebugReportCallbackEXT)
		vgo_vkGetInstanceProcAddr(inst, "vkDestroyDebugReportCallbackEXT");
	if (destroy != NULL && m->cb != VK_NULL_HANDLE) destroy(inst, m->cb, NULL);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static int viewerCount(viewerMessenger* m, int sev) {
	pthread_mutex_lock(&m->mu);
	int n = m->count[sev];
	pthread_mutex_unlock(&m->mu);
	return n;
}

static int viewerTexts(viewerMessenger* m) {
	pthread_mutex_lock(&m->mu);
	int n = m->ntexts;
	pthread_mutex_unlock(&m->mu);
	return n;
}

static const char* viewerText(viewerMessenger* m, int i) { return m->texts[i]; }
*/
import "C"

import (
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/vk"
)

// messenger collects the validation layer's reports for one instance (see the C comment).
type messenger struct {
	c *C.viewerMessenger
}

func newMessenger(inst vulkan.Instance) (*messenger, error) {
	m := &messenger{c: C.viewerNewMessenger()}
	if r := C.viewerCreateMessenger(C.VkInstance(unsafe.Pointer(inst)), m.c); r != C.VK_SUCCESS {
		C.viewerDestroyMessenger(C.VkInstance(unsafe.Pointer(inst)), m.c)
		return nil, check("vkCreateDebugReportCallbackEXT", vulkan.Result(r))
	}
	return m, nil
}

func (m *messenger) destroy(inst vulkan.Instance) {
	if m == nil || m.c == nil {
		return
	}
	C.viewerDestroyMessenger(C.VkInstance(unsafe.Pointer(inst)), m.c)
	m.c = nil
}

// messages returns a snapshot in package vk's Messages form.
func (m *messenger) messages() vk.Messages {
	var out vk.Messages
	if m == nil || m.c == nil {
		return out
	}
	for s := range 3 {
		out.Count[s] = int(C.viewerCount(m.c, C.int(s)))
	}
	n := int(C.viewerTexts(m.c))
	for i := range n {
		out.Texts = append(out.Texts, C.GoString(C.viewerText(m.c, C.int(i))))
	}
	return out
}
