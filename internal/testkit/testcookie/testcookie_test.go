package testcookie

import "testing"

func TestTamper(t *testing.T) {
	for _, v := range []string{"", "A", "AAAA", "abcdef", "MTc5NTcyMTgwNXxTWWhQ"} {
		got := Tamper(v)
		if got == v || len(got) != max(len(v), 1) {
			t.Errorf("Tamper(%q) = %q", v, got)
		}
	}
}
