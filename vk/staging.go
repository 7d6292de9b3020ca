package vk

import (
	"errors"
	"sync"
)

// ringSlot is the size of each of the staging ring's slots: large enough that a copy's fixed
// cost (a submit and a fence wait) is small next to moving the bytes, small enough that two per
// direction are a modest share of a 64 MiB block.
const ringSlot = 16 << 20

// stagingRing moves bytes between the host and memory it cannot map (VRAM on discrete GPUs)
// through two mapped slots per direction, used in turn: while the device copies one slot, the
// host fills (or drains) the other. Slots, their buffers and recorders are made on first use and
// kept until Close, so an Upload or Download makes no Vulkan objects.
type stagingRing struct {
	mu   sync.Mutex // one transfer at a time: they share the slots
	up   [2]ringSlotState
	down [2]ringSlotState
}

type ringSlotState struct {
	buf  *Buffer
	rec  *Recorder
	busy bool // a copy was launched and not yet waited for
}

// ringSlot makes slot s (a buffer of kind and a recorder) on first use.
func (d *Device) ringSlot(s *ringSlotState, kind MemoryKind) error {
	if s.buf != nil {
		return nil
	}
	buf, err := d.newBuffer(kind, ringSlot)
	if err != nil {
		return err
	}
	rec, err := d.newRecorder()
	if err != nil {
		buf.Release()
		return err
	}
	s.buf, s.rec = buf, rec
	return nil
}

// finish waits for the slot's copy and readies its recorder.
func (s *ringSlotState) finish() error {
	if !s.busy {
		return nil
	}
	s.busy = false
	err := s.rec.wait()
	s.rec.reset()
	return errors.Join(err, s.rec.err)
}

// upload copies p into v (which holds at least len(p) bytes) through the ring.
func (d *Device) upload(v View, p []byte) error {
	ring := &d.ring
	ring.mu.Lock()
	defer ring.mu.Unlock()
	var errs []error
	for off, i := 0, 0; off < len(p) && len(errs) == 0; i ^= 1 {
		s := &ring.up[i]
		if err := s.finish(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := d.ringSlot(s, HostVisible); err != nil {
			errs = append(errs, err)
			break
		}
		n := min(len(p)-off, ringSlot)
		if err := s.buf.View(0, int64(n)).write(p[off : off+n]); err != nil {
			errs = append(errs, err)
			break
		}
		s.rec.Copy(v.buf.View(v.off+int64(off), int64(n)), s.buf.View(0, int64(n)))
		if err := s.rec.launch(); err != nil {
			s.rec.reset()
			errs = append(errs, err)
			break
		}
		s.busy = true
		off += n
	}
	for i := range ring.up {
		errs = append(errs, ring.up[i].finish())
	}
	return errors.Join(errs...)
}

// download copies the start of v into p through the ring: the copy of chunk k+1 runs while the
// host reads chunk k.
func (d *Device) download(v View, p []byte) error {
	ring := &d.ring
	ring.mu.Lock()
	defer ring.mu.Unlock()
	launch := func(k int) error { // chunk k into slot k%2
		off := k * ringSlot
		if off >= len(p) {
			return nil
		}
		s := &ring.down[k%2]
		if err := d.ringSlot(s, Readback); err != nil {
			return err
		}
		n := min(len(p)-off, ringSlot)
		s.rec.Copy(s.buf.View(0, int64(n)), v.buf.View(v.off+int64(off), int64(n)))
		if err := s.rec.launch(); err != nil {
			s.rec.reset()
			return err
		}
		s.busy = true
		return nil
	}
	err := launch(0)
	for k := 0; err == nil && k*ringSlot < len(p); k++ {
		if err = launch(k + 1); err != nil {
			break
		}
		s := &ring.down[k%2]
		if err = s.finish(); err != nil {
			break
		}
		off := k * ringSlot
		n := min(len(p)-off, ringSlot)
		err = s.buf.View(0, int64(n)).read(p[off : off+n])
	}
	return errors.Join(err, ring.down[0].finish(), ring.down[1].finish())
}
