package dumplog

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// A table-driven stand-in for the classes Kafka generates from its message
// JSON schemas: read(Readable, version) with the generated code's checks
// and exception texts, and the JsonConverter's write(message, version),
// which is what the decoders print.

type kind int

const (
	kInt8 kind = iota
	kInt16
	kUint16
	kInt32
	kInt64
	kUUID
	kString
	kBytes
	kArray
	kStruct
)

type ftype struct {
	kind   kind
	elem   *ftype   // kArray
	fields []*field // kStruct
}

// vrange is a version range; lo > hi is "none".
type vrange struct{ lo, hi int16 }

var (
	vNone = vrange{1, 0}
	vAll  = vrange{0, 32767}
)

func from(v int16) vrange    { return vrange{v, 32767} }
func only(v int16) vrange    { return vrange{v, v} }
func (r vrange) empty() bool { return r.lo > r.hi }

func (r vrange) intersect(o vrange) vrange { return vrange{max(r.lo, o.lo), min(r.hi, o.hi)} }

// member is the check the generator's VersionConditional emits for r
// within the versions it knows are possible: a bound that possible
// already satisfies is not tested, so versions outside the schema's
// range follow the open side.
func (r vrange) member(possible vrange, v int16) bool {
	if r.empty() || r.intersect(possible).empty() {
		return false
	}
	if r.lo > possible.lo && v < r.lo {
		return false
	}
	if r.hi < possible.hi && v > r.hi {
		return false
	}
	return true
}

type field struct {
	name     string // the JSON key: the schema name in camelCase
	typ      *ftype
	versions vrange
	nullable vrange
	tagged   vrange
	tag      int32
	zeroCopy bool
}

type msgSchema struct {
	name     string
	valid    vrange
	flexible vrange
	fields   []*field
}

func fld(name string, t *ftype, versions vrange) *field {
	return &field{name: name, typ: t, versions: versions, nullable: vNone, tagged: vNone}
}

func (f *field) null(v vrange) *field { f.nullable = v; return f }
func (f *field) zc() *field           { f.zeroCopy = true; return f }
func (f *field) taggedAt(v vrange, tag int32) *field {
	f.tagged, f.tag = v, tag
	return f
}

var (
	tInt8   = &ftype{kind: kInt8}
	tInt16  = &ftype{kind: kInt16}
	tUint16 = &ftype{kind: kUint16}
	tInt32  = &ftype{kind: kInt32}
	tInt64  = &ftype{kind: kInt64}
	tUUID   = &ftype{kind: kUUID}
	tString = &ftype{kind: kString}
	tBytes  = &ftype{kind: kBytes}
)

func arrayOf(t *ftype) *ftype                      { return &ftype{kind: kArray, elem: t} }
func structOf(fs ...*field) *ftype                 { return &ftype{kind: kStruct, fields: fs} }
func (s *msgSchema) cur() vrange                   { return s.valid }
func isVarLen(t *ftype) bool                       { return t.kind == kString || t.kind == kBytes || t.kind == kArray }
func rtErr(format string, a ...any) *JavaException { return jex(exRuntime, format, a...) }

// reader reads one message at one version.
type reader struct {
	c       *cursor
	s       *msgSchema
	version int16
}

// read is the generated constructor Message(Readable, version).
func (s *msgSchema) read(c *cursor, version int16) (*jobject, *JavaException) {
	r := &reader{c: c, s: s, version: version}
	return r.readStruct(s.fields)
}

func (r *reader) flexible(possible vrange) bool { return r.s.flexible.member(possible, r.version) }

func (r *reader) readStruct(fields []*field) (*jobject, *JavaException) {
	cur := r.s.cur()
	obj := &jobject{}
	values := make(map[*field]jnode, len(fields))
	for _, f := range fields {
		mandatory := f.versions
		if !f.tagged.empty() {
			mandatory = vNone // every field here is tagged in all its versions, or never
		}
		if !mandatory.member(cur, r.version) {
			continue
		}
		possible := f.versions.intersect(cur)
		v, err := r.readField(f, possible, false)
		if err != nil {
			return nil, err
		}
		values[f] = v
	}
	if r.flexible(cur) {
		n, err := r.c.uvarint()
		if err != nil {
			return nil, err
		}
		for i := int32(0); i < n; i++ {
			tag, err := r.c.uvarint()
			if err != nil {
				return nil, err
			}
			size, err := r.c.uvarint()
			if err != nil {
				return nil, err
			}
			var known *field
			for _, f := range fields {
				if !f.tagged.empty() && f.tag == tag {
					known = f
				}
			}
			if known == nil {
				if _, err := r.readArray(size); err != nil {
					return nil, err
				}
				continue
			}
			valid := known.versions.intersect(known.tagged)
			if !valid.member(cur.intersect(r.s.flexible), r.version) {
				return nil, rtErr("Tag %d is not valid for version %d", tag, r.version)
			}
			v, err := r.readField(known, valid, true)
			if err != nil {
				return nil, err
			}
			values[known] = v
		}
	}
	// JsonConverter.write: present fields in order; a tagged field only
	// when it is not its default (null, for the structs tagged here).
	for _, f := range fields {
		if !f.versions.member(cur, r.version) {
			continue
		}
		v, ok := values[f]
		if !f.tagged.empty() && f.tagged.member(cur, r.version) {
			if !ok || v == jnull {
				continue
			}
		}
		if !ok {
			v = defaultNode(f.typ)
		}
		obj.set(f.name, v)
	}
	return obj, nil
}

func defaultNode(t *ftype) jnode {
	switch t.kind {
	case kString:
		return jstring("")
	case kBytes:
		return jbinary{}
	case kArray:
		return &jarray{}
	case kStruct:
		return jnull
	case kUUID:
		return jstring(uuidString(make([]byte, 16)))
	}
	return jnumber("0")
}

// readArray is Readable.readArray (an unknown tagged field's size can be
// negative: new byte[n] then throws).
func (r *reader) readArray(n int32) ([]byte, *JavaException) {
	if n < 0 {
		return nil, jex("java.lang.NegativeArraySizeException", "%d", n)
	}
	if int(n) > r.c.remaining() {
		return nil, rtErr("Error reading byte array of %d byte(s): only %d byte(s) available", n, r.c.remaining())
	}
	r.c.pos += int(n)
	return r.c.b[r.c.pos-int(n) : r.c.pos], nil
}

func (r *reader) readField(f *field, possible vrange, tagged bool) (jnode, *JavaException) {
	if f.typ.kind == kStruct {
		if f.nullable.member(possible, r.version) {
			var isNull bool
			if tagged {
				v, err := r.c.uvarint()
				if err != nil {
					return nil, err
				}
				isNull = v <= 0
			} else {
				b, err := r.c.byte1()
				if err != nil {
					return nil, err
				}
				isNull = int8(b) < 0
			}
			if isNull {
				return jnull, nil
			}
		}
		return r.readStruct(f.typ.fields)
	}
	if isVarLen(f.typ) {
		return r.readVarLen(f.name, f.typ, possible, f.nullable, f.zeroCopy)
	}
	return r.readPrimitive(f.typ)
}

func (r *reader) readPrimitive(t *ftype) (jnode, *JavaException) {
	switch t.kind {
	case kInt8:
		b, err := r.c.byte1()
		return jnumber(strconv.Itoa(int(int8(b)))), err
	case kInt16:
		v, err := r.c.int16()
		return jnumber(strconv.Itoa(int(v))), err
	case kUint16:
		v, err := r.c.int16()
		return jnumber(strconv.Itoa(int(uint16(v)))), err
	case kInt32:
		v, err := r.c.int32()
		return jnumber(strconv.Itoa(int(v))), err
	case kInt64:
		v, err := r.c.int64()
		return jnumber(strconv.FormatInt(v, 10)), err
	case kUUID:
		if r.c.remaining() < 16 {
			r.c.pos = len(r.c.b)
			return nil, errUnderflow
		}
		r.c.pos += 16
		return jstring(uuidString(r.c.b[r.c.pos-16 : r.c.pos])), nil
	}
	return nil, rtErr("unsupported type")
}

func (r *reader) readVarLen(name string, t *ftype, possible, nullable vrange, zeroCopy bool) (jnode, *JavaException) {
	var n int32
	var err *JavaException
	switch {
	case r.flexible(possible):
		n, err = r.c.uvarint()
		n--
	case t.kind == kString:
		var s int16
		s, err = r.c.int16()
		n = int32(s)
	default:
		n, err = r.c.int32()
	}
	if err != nil {
		return nil, err
	}
	if n < 0 {
		if nullable.member(possible, r.version) {
			return jnull, nil
		}
		return nil, rtErr("non-nullable field %s was serialized as null", name)
	}
	switch t.kind {
	case kString:
		if n > 0x7fff {
			return nil, rtErr("string field %s had invalid length %d", name, n)
		}
		b, err := r.readArray(n)
		if err != nil {
			return nil, err
		}
		return jstring(javaString(b)), nil
	case kBytes:
		if zeroCopy && int(n) > r.c.remaining() {
			return nil, jex(exIllegalArgument, "newLimit > capacity: (%d > %d)", n, r.c.remaining())
		}
		b, err := r.readArray(n)
		if err != nil {
			return nil, err
		}
		return jbinary(b), nil
	}
	if int(n) > r.c.remaining() {
		return nil, rtErr("Tried to allocate a collection of size %d, but there are only %d bytes remaining.", n, r.c.remaining())
	}
	arr := &jarray{}
	for i := int32(0); i < n; i++ {
		var v jnode
		var err *JavaException
		switch e := t.elem; e.kind {
		case kString, kBytes:
			v, err = r.readVarLen(name+" element", e, possible, vNone, false)
		case kStruct:
			v, err = r.readStruct(e.fields)
		default:
			v, err = r.readPrimitive(e)
		}
		if err != nil {
			return nil, err
		}
		arr.items = append(arr.items, v)
	}
	return arr, nil
}

// uuidString is Uuid.toString: URL-safe base64 without padding.
func uuidString(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// JSON nodes, written as Jackson's JsonNode.toString does.

type jnode interface{ writeJSON(*strings.Builder) }

type jobject struct {
	keys []string
	vals []jnode
}

func (o *jobject) set(k string, v jnode) {
	for i, key := range o.keys {
		if key == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *jobject) get(k string) jnode {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i]
		}
	}
	return nil
}

func (o *jobject) writeJSON(b *strings.Builder) {
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, k)
		b.WriteByte(':')
		o.vals[i].writeJSON(b)
	}
	b.WriteByte('}')
}

func (o *jobject) String() string {
	var b strings.Builder
	o.writeJSON(&b)
	return b.String()
}

type jarray struct{ items []jnode }

func (a *jarray) writeJSON(b *strings.Builder) {
	b.WriteByte('[')
	for i, v := range a.items {
		if i > 0 {
			b.WriteByte(',')
		}
		v.writeJSON(b)
	}
	b.WriteByte(']')
}

type jstring string

func (s jstring) writeJSON(b *strings.Builder) { writeJSONString(b, string(s)) }

type jnumber string

func (n jnumber) writeJSON(b *strings.Builder) { b.WriteString(string(n)) }

type jnullT struct{}

func (jnullT) writeJSON(b *strings.Builder) { b.WriteString("null") }

var jnull jnode = jnullT{}

// jbinary is a BinaryNode: base64 with padding.
type jbinary []byte

func (j jbinary) writeJSON(b *strings.Builder) {
	writeJSONString(b, base64.StdEncoding.EncodeToString(j))
}

// writeJSONString quotes as Jackson does: '"' and '\\' escaped, control
// characters as \b \t \n \f \r or \u00XX, everything else as is.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

func be16(b []byte) int16 { return int16(binary.BigEndian.Uint16(b)) }
