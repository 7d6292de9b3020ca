package vk

import (
	"fmt"
	"sync"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"
)

// Severity of a validation message.
type Severity int

// Severities reported by the debug messenger.
const (
	SevError Severity = iota
	SevWarning
	SevPerformance
	numSeverities
)

var severityNames = [...]string{"error", "warning", "performance"}

func (s Severity) String() string { return severityNames[s] }

// Messages is a snapshot of the validation messages a device has received.
type Messages struct {
	Count [numSeverities]int // by Severity
	Texts []string           // the first messages, "severity: [layer] text"
}

// Total is the number of messages of every severity.
func (m Messages) Total() int {
	n := 0
	for _, c := range m.Count {
		n += c
	}
	return n
}

// maxKeptTexts bounds the messages kept for reading; counts keep counting.
const maxKeptTexts = 64

// messenger collects validation messages for one instance.
type messenger struct {
	mu     sync.Mutex
	msgs   Messages
	cookie unsafe.Pointer // C memory identifying this messenger to the shared callback
	cb     vulkan.DebugReportCallback
}

func (m *messenger) add(s Severity, text string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs.Count[s]++
	if len(m.msgs.Texts) < maxKeptTexts {
		m.msgs.Texts = append(m.msgs.Texts, s.String()+": "+text)
	}
}

func (m *messenger) snapshot() Messages {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.msgs
	out.Texts = append([]string(nil), m.msgs.Texts...)
	return out
}

// vulkan-go keeps a single process-wide Go callback (the first one registered wins), so one
// dispatcher routes every report to its messenger by the C cookie passed as user data.
var messengers = struct {
	sync.Mutex
	byCookie map[uintptr]*messenger
}{byCookie: map[uintptr]*messenger{}}

func dispatchReport(flags vulkan.DebugReportFlags, _ vulkan.DebugReportObjectType, _ uint64, _ uint,
	code int32, layer, msg string, user unsafe.Pointer) vulkan.Bool32 {
	messengers.Lock()
	m := messengers.byCookie[uintptr(user)]
	messengers.Unlock()
	if m == nil {
		return vulkan.False
	}
	f := vulkan.DebugReportFlagBits(flags)
	sev := SevWarning
	switch {
	case f&vulkan.DebugReportErrorBit != 0:
		sev = SevError
	case f&vulkan.DebugReportPerformanceWarningBit != 0:
		sev = SevPerformance
	}
	// Sprintf copies: layer and msg point into C memory that is gone after the callback returns.
	m.add(sev, fmt.Sprintf("[%s] %d %s", layer, code, msg))
	return vulkan.False
}

func newMessenger(inst vulkan.Instance) (*messenger, error) {
	m := &messenger{cookie: cAlloc(8)}
	messengers.Lock()
	messengers.byCookie[uintptr(m.cookie)] = m
	messengers.Unlock()
	info := vulkan.DebugReportCallbackCreateInfo{
		SType:       vulkan.StructureTypeDebugReportCallbackCreateInfo,
		Flags:       vulkan.DebugReportFlags(vulkan.DebugReportErrorBit | vulkan.DebugReportWarningBit | vulkan.DebugReportPerformanceWarningBit),
		PfnCallback: dispatchReport,
		PUserData:   m.cookie,
	}
	r := vulkan.CreateDebugReportCallback(inst, &info, nil, &m.cb)
	info.Free()
	if err := check("vkCreateDebugReportCallbackEXT", r); err != nil {
		m.forget()
		return nil, err
	}
	return m, nil
}

func (m *messenger) destroy(inst vulkan.Instance) {
	vulkan.DestroyDebugReportCallback(inst, m.cb, nil)
	m.forget()
}

func (m *messenger) forget() {
	messengers.Lock()
	delete(messengers.byCookie, uintptr(m.cookie))
	messengers.Unlock()
	freeC(m.cookie)
	m.cookie = nil
}
