package sessionstore

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"time"
)

// record is a stored session: when it began (for the absolute timeout),
// when it ends, when its cookie was last sent, and its values.
type record struct {
	start, expiry, sent time.Time
	values              map[any]any
}

// encode returns the record as the storage keeps it: the three times, then
// the values. Values that are all plain (string keys; string, int or bool
// values: a counter, a user ID, a flash) take a few length-prefixed bytes
// (form 'p'); anything else goes through gob (form 'g'), whose type
// descriptions would cost microseconds a visit.
func (rec *record) encode() ([]byte, error) {
	b := []byte{'p'}
	for _, t := range []time.Time{rec.start, rec.expiry, rec.sent} {
		b = binary.AppendVarint(b, t.UnixNano())
	}
	head, plain := len(b), true
	b = binary.AppendUvarint(b, uint64(len(rec.values)))
	for k, v := range rec.values {
		key, ok := k.(string)
		b = append(binary.AppendUvarint(b, uint64(len(key))), key...)
		switch v := v.(type) {
		case string:
			b = append(binary.AppendUvarint(append(b, 's'), uint64(len(v))), v...)
		case int:
			b = binary.AppendVarint(append(b, 'i'), int64(v))
		case bool:
			kind := byte('f')
			if v {
				kind = 't'
			}
			b = append(b, kind)
		default:
			ok = false
		}
		if plain = plain && ok; !plain {
			break
		}
	}
	if plain {
		return b, nil
	}
	b[0] = 'g'
	buf := bytes.NewBuffer(b[:head])
	if err := gob.NewEncoder(buf).Encode(rec.values); err != nil {
		return nil, fmt.Errorf("sessionstore: encoding session values "+
			"(gob.Register custom types): %w", err)
	}
	return buf.Bytes(), nil
}

var errCorrupt = errors.New("sessionstore: a stored record is corrupt")

// decode reads what encode wrote; anything else is an error.
func (rec *record) decode(data []byte) error {
	r := &reader{Reader: bytes.NewReader(data)}
	form := r.byte()
	for _, t := range []*time.Time{&rec.start, &rec.expiry, &rec.sent} {
		*t = time.Unix(0, r.varint())
	}
	if r.err == nil && form == 'g' {
		return gob.NewDecoder(r).Decode(&rec.values)
	}
	n := r.uvarint()
	if form != 'p' || n > uint64(r.Len()) {
		return errCorrupt
	}
	rec.values = make(map[any]any, n)
	for range n {
		key := r.string()
		switch kind := r.byte(); kind {
		case 's':
			rec.values[key] = r.string()
		case 'i':
			rec.values[key] = int(r.varint())
		case 't', 'f':
			rec.values[key] = kind == 't'
		default:
			return errCorrupt
		}
	}
	return r.err
}

// reader reads a record, and keeps the first error.
type reader struct {
	*bytes.Reader
	err error
}

func (r *reader) fail(err error) {
	if err != nil && r.err == nil {
		r.err = errCorrupt
	}
}

func (r *reader) byte() byte      { b, err := r.ReadByte(); r.fail(err); return b }
func (r *reader) varint() int64   { n, err := binary.ReadVarint(r); r.fail(err); return n }
func (r *reader) uvarint() uint64 { n, err := binary.ReadUvarint(r); r.fail(err); return n }

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(r.Len()) {
		r.fail(errCorrupt)
		return ""
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b) // an empty string at the end is no EOF
	r.fail(err)
	return string(b)
}
