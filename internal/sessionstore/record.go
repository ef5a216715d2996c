package sessionstore

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"time"
)

// record is a stored session: when it began (for the absolute timeout),
// when it ends, when its cookie was last sent, and its values.
type record struct {
	start, expiry, sent time.Time
	values              map[any]any
}

// The first byte of an encoded record says how its values are kept.
const (
	plainValues byte = 1 // string keys; string, int and bool values
	gobValues   byte = 2 // anything gob can encode
)

// encode returns the record as the storage keeps it. Values that are all
// plain (string keys; string, int or bool values: the course's counter, a
// user ID, a flash) take a few length-prefixed bytes; anything else goes
// through gob, whose type descriptions cost microseconds a visit.
func (rec *record) encode() ([]byte, error) {
	b := make([]byte, 1, 64)
	for _, t := range []time.Time{rec.start, rec.expiry, rec.sent} {
		b = binary.AppendVarint(b, t.UnixNano())
	}
	if b, ok := appendPlain(b, rec.values); ok {
		b[0] = plainValues
		return b, nil
	}
	b[0] = gobValues
	buf := bytes.NewBuffer(b)
	if err := gob.NewEncoder(buf).Encode(rec.values); err != nil {
		return nil, fmt.Errorf("sessionstore: encoding session values (gob.Register custom types): %w", err)
	}
	return buf.Bytes(), nil
}

// appendPlain appends values in the plain form, or reports false when one
// of them does not fit it.
func appendPlain(b []byte, values map[any]any) ([]byte, bool) {
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		key, ok := k.(string)
		if !ok {
			return nil, false
		}
		b = appendString(b, key)
		switch v := v.(type) {
		case string:
			b = appendString(append(b, 's'), v)
		case int:
			b = binary.AppendVarint(append(b, 'i'), int64(v))
		case bool:
			b = append(b, 'f')
			if v {
				b[len(b)-1] = 't'
			}
		default:
			return nil, false
		}
	}
	return b, true
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errCorrupt = errors.New("sessionstore: a stored record is corrupt")

// decode reads what encode wrote.
func (rec *record) decode(data []byte) error {
	if len(data) == 0 {
		return errCorrupt
	}
	r := bytes.NewReader(data[1:])
	for _, t := range []*time.Time{&rec.start, &rec.expiry, &rec.sent} {
		n, err := binary.ReadVarint(r)
		if err != nil {
			return errCorrupt
		}
		*t = time.Unix(0, n)
	}
	switch data[0] {
	case gobValues:
		return gob.NewDecoder(r).Decode(&rec.values)
	case plainValues:
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return errCorrupt
		}
		rec.values = make(map[any]any, n)
		for range n {
			key, err := readString(r)
			if err != nil {
				return err
			}
			kind, err := r.ReadByte()
			if err != nil {
				return errCorrupt
			}
			switch kind {
			case 's':
				rec.values[key], err = readString(r)
			case 'i':
				var v int64
				v, err = binary.ReadVarint(r)
				rec.values[key] = int(v)
			case 't', 'f':
				rec.values[key] = kind == 't'
			default:
				err = errCorrupt
			}
			if err != nil {
				return errCorrupt
			}
		}
		return nil
	}
	return errCorrupt
}

func readString(r *bytes.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return "", errCorrupt
	}
	b := make([]byte, n)
	_, err = r.Read(b)
	return string(b), err
}
