package keys

import (
	"bytes"
	"testing"
)

func TestPairs(t *testing.T) {
	a, err := Pairs("cookie store", []byte("secret one"), []byte("secret two"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 4 {
		t.Fatalf("got %d keys, want 4", len(a))
	}
	for i, k := range a {
		if len(k) != 32 {
			t.Errorf("key %d is %d bytes, want 32", i, len(k))
		}
	}
	if bytes.Equal(a[0], a[1]) || bytes.Equal(a[0], a[2]) {
		t.Error("two uses share a key")
	}
	b, _ := Pairs("cookie store", []byte("secret one"))
	if !bytes.Equal(a[0], b[0]) || !bytes.Equal(a[1], b[1]) {
		t.Error("the same secret and purpose gave different keys")
	}
	c, _ := Pairs("filesystem store", []byte("secret one"))
	if bytes.Equal(a[0], c[0]) {
		t.Error("two purposes share a key")
	}
}
