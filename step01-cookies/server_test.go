package main

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const firstVisit = "Welcome to this page for the first time!"

func newTestServer(secure bool) http.Handler {
	return newServer(secure, slog.New(slog.DiscardHandler))
}

func get(t *testing.T, h http.Handler, path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func onlyCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("got Set-Cookie %q, want exactly one cookie", rec.Header().Values("Set-Cookie"))
	}
	return cookies[0]
}

func TestCookieRoutes(t *testing.T) {
	h := newTestServer(false)
	tests := []struct {
		path       string
		wantBody   string
		wantCookie string // name=value
		wantMaxAge int
	}{
		{"/cookies/set", "Cookie set: name=echo.", "name=echo", 0},
		{"/cookies/expiring", "Cookie set: flavour=oatmeal.", "flavour=oatmeal", 360},
		{"/cookies/clear", "Cookie cleared: name.", "name=", -1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %q, want 200 %q", rec.Code, rec.Body, tt.wantBody)
			}
			c := onlyCookie(t, rec)
			if c.Name+"="+c.Value != tt.wantCookie || c.MaxAge != tt.wantMaxAge {
				t.Errorf("got %s=%s Max-Age %d, want %s Max-Age %d", c.Name, c.Value, c.MaxAge, tt.wantCookie, tt.wantMaxAge)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
				t.Errorf("Set-Cookie %q: want HttpOnly, SameSite=Lax, Path=/, no Secure", rec.Header().Get("Set-Cookie"))
			}
		})
	}
}

func TestExpiringCookieHasExpires(t *testing.T) {
	c := onlyCookie(t, get(t, newTestServer(false), "/cookies/expiring"))
	if left := time.Until(c.Expires); left < 5*time.Minute || left > 7*time.Minute {
		t.Errorf("got Expires %v, want about 6 minutes from now", c.Expires)
	}
}

func TestSecureCookies(t *testing.T) {
	if c := onlyCookie(t, get(t, newTestServer(true), "/cookies/set")); !c.Secure {
		t.Error("SESSION_SECURE=true: cookie not Secure")
	}
	req := httptest.NewRequest(http.MethodGet, "/cookies/set", nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	newTestServer(false).ServeHTTP(rec, req)
	if c := onlyCookie(t, rec); !c.Secure {
		t.Error("served over TLS: cookie not Secure")
	}
}

func TestListCookies(t *testing.T) {
	h := newTestServer(false)
	if got := get(t, h, "/cookies").Body.String(); got != "You sent no cookies.\n" {
		t.Errorf("no cookies: got %q", got)
	}
	got := get(t, h, "/cookies", &http.Cookie{Name: "name", Value: "echo"}, &http.Cookie{Name: "page_views", Value: "3"}).Body.String()
	if want := "You sent 2 cookies:\nname=echo\npage_views=3\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCounterInACookie walks the lesson: the counter works with a cookie jar,
// and then the client changes the cookie and the server believes it.
func TestCounterInACookie(t *testing.T) {
	srv := httptest.NewServer(newTestServer(false))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for i, want := range []string{firstVisit, "You visited this page 2 times", "You visited this page 3 times"} {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Fatalf("visit %d: got %q, want %q", i+1, body, want)
		}
	}
	// The client can read the count: it is right there in the cookie.
	rec := get(t, newTestServer(false), "/", &http.Cookie{Name: "page_views", Value: "3"})
	if c := onlyCookie(t, rec); c.Value != "4" {
		t.Errorf("the cookie says %q, want the plain count 4", c.Value)
	}
	// And change it: the server believes whatever comes back.
	rec = get(t, newTestServer(false), "/", &http.Cookie{Name: "page_views", Value: "1000"})
	if got, want := rec.Body.String(), "You visited this page 1001 times"; got != want {
		t.Errorf("forged cookie: got %q, want %q", got, want)
	}
}

func TestBadCounterCookieStartsAgain(t *testing.T) {
	h := newTestServer(false)
	for _, value := range []string{"abc", "-5", "0", "1000000000", "99999999999999999999999", strings.Repeat("9", 4000)} {
		rec := get(t, h, "/", &http.Cookie{Name: "page_views", Value: value})
		if rec.Code != http.StatusOK || rec.Body.String() != firstVisit {
			t.Errorf("page_views=%.20s: got %d %q, want 200 %q", value, rec.Code, rec.Body, firstVisit)
		}
	}
}

// TestHeadAndPrivate: every page answers HEAD with GET's status (net/http
// leaves the body out), and changes nothing: it sets no cookie. Every answer says that no
// shared cache may keep it: each depends on the visitor's cookies.
func TestHeadAndPrivate(t *testing.T) {
	h := newTestServer(false)
	for _, path := range []string{"/", "/cookies", "/cookies/set", "/cookies/expiring", "/cookies/clear"} {
		getRec := get(t, h, path)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, path, nil))
		if rec.Code != getRec.Code || rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("HEAD %s: got %d with Set-Cookie %q, want GET's %d and no cookie", path, rec.Code, rec.Header().Get("Set-Cookie"), getRec.Code)
		}
		if cc, vary := getRec.Header().Get("Cache-Control"), getRec.Header().Get("Vary"); cc != "no-store" || vary != "Cookie" {
			t.Errorf("GET %s: got Cache-Control %q and Vary %q, want no-store and Cookie", path, cc, vary)
		}
	}
}
