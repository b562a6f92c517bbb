package text

import (
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// InvalidUTF8Field finds the string field holding invalid UTF-8 in b, the
// binary encoding of a message of type md, and returns its JSON path ("" if
// none is found). Go's protobuf refuses such a message without naming the
// field; this names it, so binary clients get the same answer as JSON ones.
func InvalidUTF8Field(md protoreflect.MessageDescriptor, b []byte) string {
	path, _ := place{}.invalidUTF8(md, b)
	return path
}

// invalidUTF8 walks one encoded message; found says the path is the answer.
func (p place) invalidUTF8(md protoreflect.MessageDescriptor, b []byte) (path string, found bool) {
	counts := map[protowire.Number]int{} // the index of each repeated field's next element
	for len(b) > 0 {
		num, v, isBytes, rest, ok := nextField(b)
		if !ok {
			return "", false
		}
		b = rest
		fd := md.Fields().ByNumber(num)
		if fd == nil || !isBytes {
			continue
		}
		at := p.wireField(md, fd, counts)
		switch {
		case fd.IsMap():
			if path, found := at.invalidUTF8InEntry(fd, v); found {
				return path, true
			}
		case fd.Kind() == protoreflect.StringKind:
			if !utf8.Valid(v) {
				return at.path, true
			}
		case fd.Kind() == protoreflect.MessageKind:
			if path, found := at.invalidUTF8(fd.Message(), v); found {
				return path, true
			}
		}
	}
	return "", false
}

// wireField is the place of fd's value as CheckMessage names it: Structs,
// Values and ListValues are JSON, so their own fields add no name.
func (p place) wireField(md protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor, counts map[protowire.Number]int) place {
	switch md.FullName() {
	case "google.protobuf.Struct", "google.protobuf.Value":
		return p
	case "google.protobuf.ListValue":
		i := counts[fd.Number()]
		counts[fd.Number()]++
		return p.item(i)
	}
	at := p.field(fd.JSONName())
	if fd.IsList() {
		i := counts[fd.Number()]
		counts[fd.Number()]++
		return at.item(i)
	}
	return at
}

// invalidUTF8InEntry walks one map entry (field 1 the key, field 2 the value).
func (p place) invalidUTF8InEntry(fd protoreflect.FieldDescriptor, b []byte) (string, bool) {
	var key, value []byte
	for len(b) > 0 {
		num, v, isBytes, rest, ok := nextField(b)
		if !ok {
			return "", false
		}
		b = rest
		if !isBytes {
			continue
		}
		switch num {
		case 1:
			key = v
		case 2:
			value = v
		}
	}
	if fd.MapKey().Kind() == protoreflect.StringKind && !utf8.Valid(key) {
		return p.keysField(), true
	}
	at := p.field(string(key))
	switch fd.MapValue().Kind() {
	case protoreflect.StringKind:
		if !utf8.Valid(value) {
			return at.path, true
		}
	case protoreflect.MessageKind:
		return at.invalidUTF8(fd.MapValue().Message(), value)
	}
	return "", false
}

// nextField consumes one field of b: its number, its value when it is
// length-delimited, and what follows it; ok is false for a broken encoding.
func nextField(b []byte) (num protowire.Number, value []byte, isBytes bool, rest []byte, ok bool) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return 0, nil, false, nil, false
	}
	b = b[n:]
	if typ == protowire.BytesType {
		value, n = protowire.ConsumeBytes(b)
		isBytes = true
	} else {
		n = protowire.ConsumeFieldValue(num, typ, b)
	}
	if n < 0 {
		return 0, nil, false, nil, false
	}
	return num, value, isBytes, b[n:], true
}
