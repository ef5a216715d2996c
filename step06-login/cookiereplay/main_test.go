package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestLogoutCannotRevokeACopy: Ada logs in, a thief copies her cookie, Ada
// logs out (her browser forgets the cookie), and the copy still opens the
// protected page.
func TestLogoutCannotRevokeACopy(t *testing.T) {
	srv := httptest.NewServer(newServer())
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ada := &http.Client{Jar: jar}
	get := func(c *http.Client, req *http.Request) string {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	post := func(path, form string) *http.Request {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	page := func() *http.Request {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/protected_page", nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}

	get(ada, post("/login", "id=ada"))
	u, _ := url.Parse(srv.URL)
	copied := jar.Cookies(u) // the thief's copy
	if len(copied) != 1 || copied[0].Name != sessionName {
		t.Fatalf("got cookies %v after the login, want one named %q", copied, sessionName)
	}
	if got, want := get(ada, page()), "Hey ada\n"; got != want {
		t.Fatalf("logged in: got %q, want %q", got, want)
	}
	if got, want := get(ada, post("/logout", "")), "Logged out.\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := get(ada, page()), "Not logged in.\n"; got != want {
		t.Errorf("after the logout, Ada's browser: got %q, want %q", got, want)
	}
	replay := page()
	replay.AddCookie(copied[0])
	if got, want := get(http.DefaultClient, replay), "Hey ada\n"; got != want {
		t.Errorf("the copy, after the logout: got %q, want %q (the cookie store revoked it?)", got, want)
	}
	forged := page()
	forged.AddCookie(&http.Cookie{Name: sessionName, Value: strings.Repeat("A", 60)})
	if got, want := get(http.DefaultClient, forged), "Not logged in.\n"; got != want {
		t.Errorf("a forged cookie: got %q, want %q", got, want)
	}
}

// TestAnswersAsEveryStep: a cookie that does not verify is a new session,
// never a 5xx; HEAD is answered where GET is; every answer is private.
func TestAnswersAsEveryStep(t *testing.T) {
	h := newServer()
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/login", "id=ada"},
		{http.MethodGet, "/protected_page", ""},
		{http.MethodHead, "/protected_page", ""},
		{http.MethodPost, "/logout", ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", sessionName+"=garbage")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" ||
			rec.Header().Get("Vary") != "Cookie" {
			t.Errorf("%s %s with a bad cookie: got %d, Cache-Control %q, Vary %q; want 200, no-store, Cookie",
				tc.method, tc.path, rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Vary"))
		}
	}
}
