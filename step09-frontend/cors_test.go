package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestCORS: the front end's origin, and it alone, may read the answers
// with the cookie; a preflight from any other origin gets no CORS header.
func TestCORS(t *testing.T) {
	app := newTestApp(t, config{})
	preflight := func(origin string) answer {
		t.Helper()
		v := newVisitor(t)
		v.header.Set("Origin", origin)
		v.header.Set("Access-Control-Request-Method", "POST")
		v.header.Set("Access-Control-Request-Headers", "content-type")
		return v.do(http.MethodOptions, app.URL+"/api/login", "")
	}
	a := preflight(frontend)
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      frontend,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET,HEAD,POST",
		"Access-Control-Allow-Headers":     "Content-Type",
	} {
		if got := a.header.Get(k); got != want {
			t.Errorf("the front end's preflight: %s is %q, want %q", k, got, want)
		}
	}
	for _, origin := range []string{"http://localhost:8000", "https://localhost:5173",
		"http://localhost:51730", "http://evil.example", "null"} {
		a := preflight(origin)
		for k := range a.header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("a preflight from %s got %s: %q", origin, k, a.header.Get(k))
			}
		}
	}
	// A simple GET from the front end gets the headers too.
	v := newVisitor(t).fromPage(frontend, "same-site")
	a = v.get(app.URL + "/api/visits")
	if a.status != http.StatusOK || a.header.Get("Access-Control-Allow-Origin") != frontend ||
		a.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("GET from the front end: %d, %v", a.status, a.header)
	}
}

// TestOtherOriginsRefused: a request from a page of any other origin is
// refused with 403 before it reads or changes the session, whatever its
// method: on a fresh session the counter is still at its first visit.
func TestOtherOriginsRefused(t *testing.T) {
	app := newTestApp(t, config{})
	for _, tt := range []struct {
		name, origin, site string
	}{
		{"another port of localhost (same site)", "http://localhost:8000", "same-site"},
		{"another site", "https://evil.example", "cross-site"},
		{"an old browser: Origin alone", "https://evil.example", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := signUp(t, app, "ada"+strings.ReplaceAll(tt.site, "-", ""), false)
			before := v.cookie(app).Value
			page := &visitor{t, v.client, http.Header{}}
			page.fromPage(tt.origin, tt.site)
			for _, req := range []struct{ method, path, body string }{
				{"GET", "/api/visits", ""},
				{"GET", "/api/me", ""},
				{"POST", "/api/logout", "{}"},
				{"POST", "/api/prefs", `{"theme":"dark"}`},
				{"POST", "/api/login", creds("ada", password, false)},
			} {
				a := page.do(req.method, app.URL+req.path, req.body)
				expect(t, req.method+" "+req.path, a, http.StatusForbidden,
					`{"error":"This request came from a page of another origin, so it was refused."}`)
				if a.header.Get("Access-Control-Allow-Origin") != "" || a.header.Get("Set-Cookie") != "" {
					t.Errorf("%s %s: CORS %q, Set-Cookie %q", req.method, req.path,
						a.header.Get("Access-Control-Allow-Origin"), a.header.Get("Set-Cookie"))
				}
			}
			if v.cookie(app).Value != before {
				t.Error("the session's cookie changed")
			}
			expect(t, "the counter, from the visitor's own side", v.get(app.URL+"/api/visits"),
				http.StatusOK, `"page_views":1`)
			expect(t, "still logged in, theme unset", v.get(app.URL+"/api/me"), http.StatusOK,
				`{"prefs":{"theme":""},"user":"ada`)
		})
	}
	t.Run("the front end itself", func(t *testing.T) {
		v := newVisitor(t).fromPage(frontend, "same-site")
		expect(t, "signing up", v.post(app.URL+"/api/signup", creds("grace", password, false)),
			http.StatusCreated, "grace")
		expect(t, "a theme", v.post(app.URL+"/api/prefs", `{"theme":"dark"}`), http.StatusOK, "dark")
		expect(t, "logging out", v.post(app.URL+"/api/logout", "{}"), http.StatusOK, "logged out")
	})
	t.Run("curl, or the API's own origin", func(t *testing.T) {
		expect(t, "no Origin", newVisitor(t).get(app.URL+"/api/visits"), http.StatusOK, "Welcome")
		v := newVisitor(t).fromPage(app.URL, "same-origin")
		expect(t, "same origin", v.get(app.URL+"/api/visits"), http.StatusOK, "Welcome")
	})
}

// TestFormCannotPost: a cross-site form post from a page so old that its
// browser sends neither Sec-Fetch-Site nor Origin is still refused, for
// its content type: only JSON gets in.
func TestFormCannotPost(t *testing.T) {
	app := newTestApp(t, config{})
	v := signUp(t, app, "ada", false)
	for _, ct := range []string{
		"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain",
	} {
		expect(t, ct, v.do(http.MethodPost, app.URL+"/api/logout", "a=b", ct),
			http.StatusUnsupportedMediaType, "Send a JSON body")
	}
	expect(t, "still logged in", v.get(app.URL+"/api/me"), http.StatusOK, "ada")
}
