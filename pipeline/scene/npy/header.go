package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// magic starts every .npy file.
const magic = "\x93NUMPY"

// maxHeaderLen bounds the header dictionary a reader accepts (numpy itself refuses headers
// over 10 000 bytes unless told otherwise).
const maxHeaderLen = 1 << 20

// ErrFormat is wrapped by every error about malformed .npy or .npz content.
var ErrFormat = errors.New("npy: malformed input")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Header describes an array as its .npy header does.
type Header struct {
	Major, Minor uint8 // format version
	Dtype        Dtype
	BigEndian    bool // data stored big endian (only for elements wider than one byte)
	Fortran      bool // data stored in Fortran (column-major) order
	Shape        []int
}

// Len returns the number of elements, the product of the shape (1 for a scalar).
func (h *Header) Len() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// DataSize returns the number of data bytes that follow the header.
func (h *Header) DataSize() int64 { return int64(h.Len()) * int64(h.Dtype.Size()) }

// ShapeString formats a shape as numpy prints it: (2, 3), (5,), ().
func ShapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// ReadHeader reads and checks the magic, version and header dictionary from r, leaving r at
// the first data byte.
func ReadHeader(r io.Reader) (*Header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, formatErr("truncated before the end of the magic string (%v)", err)
	}
	if string(pre[:6]) != magic {
		return nil, formatErr("not a .npy file: magic %q, want %q", pre[:6], magic)
	}
	h := &Header{Major: pre[6], Minor: pre[7]}
	var hlen int
	switch h.Major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, formatErr("truncated header length (%v)", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, formatErr("truncated header length (%v)", err)
		}
		n := binary.LittleEndian.Uint32(b[:])
		if n > maxHeaderLen {
			return nil, formatErr("header length %d exceeds %d bytes", n, maxHeaderLen)
		}
		hlen = int(n)
	default:
		return nil, formatErr("unsupported format version %d.%d, want 1.0, 2.0 or 3.0", h.Major, h.Minor)
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, formatErr("truncated header: want %d bytes (%v)", hlen, err)
	}
	if err := h.parseDict(buf); err != nil {
		return nil, err
	}
	return h, nil
}

// parseDict parses the header dictionary, a Python literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
func (h *Header) parseDict(buf []byte) error {
	p := &litParser{s: string(bytes.TrimRight(buf, " \n\x00"))}
	p.skip()
	if !p.eat('{') {
		return formatErr("header %.40q: want a dictionary starting with '{'", p.s)
	}
	seen := map[string]bool{}
	for {
		p.skip()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return formatErr("header key: %v", err)
		}
		p.skip()
		if !p.eat(':') {
			return formatErr("header: want ':' after key %q", key)
		}
		p.skip()
		if seen[key] {
			return formatErr("header: duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			if p.peek() == '[' {
				return formatErr("header: structured dtype %.60s is not supported, want one of b1, u1, u2, i4, i8, f2, f4, f8", p.s[p.i:])
			}
			d, err := p.str()
			if err != nil {
				return formatErr("header 'descr': %v", err)
			}
			if err := h.parseDescr(d); err != nil {
				return err
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.Fortran = true
			case p.word("False"):
				h.Fortran = false
			default:
				return formatErr("header 'fortran_order': want True or False")
			}
		case "shape":
			shape, err := p.tuple()
			if err != nil {
				return formatErr("header 'shape': %v", err)
			}
			h.Shape = shape
		default:
			return formatErr("header: unexpected key %q, want only 'descr', 'fortran_order' and 'shape'", key)
		}
		p.skip()
		if p.eat(',') {
			continue
		}
		p.skip()
		if p.eat('}') {
			break
		}
		return formatErr("header: want ',' or '}' after %q", key)
	}
	p.skip()
	if p.i != len(p.s) {
		return formatErr("header: trailing text %.20q after the dictionary", p.s[p.i:])
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return formatErr("header: missing key %q", k)
		}
	}
	// Bound the element count so that sizes cannot overflow int64.
	n := int64(1)
	for _, d := range h.Shape {
		if d != 0 && n > math.MaxInt64/8/int64(d) {
			return formatErr("shape %s is too large", ShapeString(h.Shape))
		}
		n *= int64(d)
	}
	if n > math.MaxInt/8 {
		return formatErr("shape %s is too large", ShapeString(h.Shape))
	}
	return nil
}

func (h *Header) parseDescr(d string) error {
	code := d
	order := byte('|')
	if len(d) > 0 && strings.IndexByte("<>|=", d[0]) >= 0 {
		order, code = d[0], d[1:]
	}
	switch code {
	case "b1", "?":
		h.Dtype = Bool
	case "u1", "B":
		h.Dtype = Uint8
	case "u2":
		h.Dtype = Uint16
	case "i4":
		h.Dtype = Int32
	case "i8":
		h.Dtype = Int64
	case "f2", "e":
		h.Dtype = Float16
	case "f4":
		h.Dtype = Float32
	case "f8":
		h.Dtype = Float64
	default:
		return formatErr("dtype %q is not supported, want one of b1, u1, u2, i4, i8, f2, f4, f8", d)
	}
	switch {
	case h.Dtype.Size() == 1:
	case order == '>':
		h.BigEndian = true
	case order == '<':
	case order == '=':
		h.BigEndian = !nativeLittle
	default:
		return formatErr("dtype %q: byte order '%c' is not valid for %d-byte elements", d, order, h.Dtype.Size())
	}
	return nil
}

// litParser scans the small subset of Python literals .npy headers use.
type litParser struct {
	s string
	i int
}

func (p *litParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *litParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *litParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *litParser) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *litParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("want a quoted string at offset %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at offset %d", p.i)
	}
	s := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(s, '\\') >= 0 {
		return "", fmt.Errorf("escapes in string %q are not supported", s)
	}
	p.i += end + 2
	return s, nil
}

func (p *litParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("want a tuple of integers such as (2, 3)")
	}
	shape := []int{}
	for {
		p.skip()
		if p.eat(')') {
			return shape, nil
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if start == p.i {
			return nil, fmt.Errorf("want a non-negative integer at offset %d", start)
		}
		d, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil || d > math.MaxInt32*int64(1<<16) {
			return nil, fmt.Errorf("dimension %s is out of range", p.s[start:p.i])
		}
		p.eat('L') // Python 2 long suffix
		shape = append(shape, int(d))
		if len(shape) > 32 {
			return nil, fmt.Errorf("more than 32 dimensions")
		}
		p.skip()
		if p.eat(',') {
			continue
		}
		p.skip()
		if p.eat(')') {
			if len(shape) == 1 {
				// (3) is the integer 3 in Python, not a tuple; numpy never writes it.
				return nil, fmt.Errorf("(%d) is not a tuple, want (%d,)", shape[0], shape[0])
			}
			return shape, nil
		}
		return nil, fmt.Errorf("want ',' or ')' at offset %d", p.i)
	}
}

// headerBytes returns the magic, version, length and dictionary for h, padded with spaces
// and a newline so that the data starts at a multiple of 64 bytes, as numpy writes it.
func headerBytes(d Dtype, shape []int, fortran bool) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", d.descr(), order, ShapeString(shape))
	major, pre := byte(1), 10
	if len(dict)+1+pre > math.MaxUint16 {
		major, pre = 2, 12
	}
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	hlen := len(dict) + pad + 1
	b := make([]byte, 0, pre+hlen)
	b = append(b, magic...)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(hlen))
	}
	b = append(b, dict...)
	b = append(b, bytes.Repeat([]byte{' '}, pad)...)
	return append(b, '\n')
}
