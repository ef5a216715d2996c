package transcript

import "testing"

func TestMask(t *testing.T) {
	for _, c := range []struct{ name, given, want string }{
		{"date", "Date: Wed, 02 Dec 2026 00:40:06 GMT\n", "Date: <date>\n"},
		{"signed cookie",
			"Set-Cookie: sid=MTc2NDYzNjAwNnxEWDhFQVFMX2dBQUJFQUVRQUFBZ180QUFB; Path=/\n",
			"Set-Cookie: sid=<signed value, different every time>; Path=/\n"},
		{"expiry",
			"Set-Cookie: flavour=oatmeal; Path=/; Expires=Wed, 02 Dec 2026 00:46:06 GMT; Max-Age=360\n",
			"Set-Cookie: flavour=oatmeal; Path=/; Expires=<date>; Max-Age=360\n"},
		{"a short value stays",
			"Set-Cookie: page_views=1001; Path=/\n", "Set-Cookie: page_views=1001; Path=/\n"},
		{"a body that mentions a date stays", "Updated: Date: never\n", "Updated: Date: never\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Mask(c.given); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
