package main

import (
	"encoding/gob"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a time the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setCookie returns the answer's session Set-Cookie, or "".
func setCookie(a answer) string {
	for _, c := range a.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionName+"=") {
			return c
		}
	}
	return ""
}

// TestRememberMe: checked, the cookie keeps Max-Age=SESSION_REMEMBER on
// every cookie the server sends, and the session lasts that long idle;
// unchecked, every cookie is one without Max-Age, and the server's idle
// timeout (SESSION_MAX_AGE) ends the session. The clock is the test's.
// Every later request moves it two minutes on, past the minute after
// which the engine sends the cookie again.
func TestRememberMe(t *testing.T) {
	const day = 24 * time.Hour
	for _, tt := range []struct {
		name      string
		remember  bool
		maxAge    string        // in every Set-Cookie of the session
		idleOK    time.Duration // an idle time the session survives
		idleEnded time.Duration // one it does not
	}{
		{"remembered", true, "Max-Age=2592000", 29 * day, 31 * day},
		{"not remembered", false, "", 23 * time.Hour, 25 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The clock starts now and only moves on: the storage checks a
			// record's expiry by its own clock, and must not find it past.
			clk := &clock{now: time.Now()}
			app := newTestApp(t, config{Now: clk.Now, MaxAge: 86400})
			v := newVisitor(t)
			a := v.post(app.URL+"/api/signup", creds("ada", password, tt.remember))
			checkCookie := func(when, c string) {
				t.Helper()
				if c == "" {
					t.Fatalf("%s: no session cookie sent", when)
				}
				hasMaxAge := strings.Contains(c, "Max-Age=")
				if tt.maxAge == "" && hasMaxAge || tt.maxAge != "" && !strings.Contains(c, tt.maxAge+";") {
					t.Errorf("%s: Set-Cookie %q, want Max-Age %q", when, c, tt.maxAge)
				}
			}
			checkCookie("at login", setCookie(a))
			// Every later save that sends the cookie (at least a minute
			// apart) keeps the login's choice.
			for range 3 {
				clk.Add(2 * time.Minute)
				a := v.get(app.URL + "/api/me")
				expect(t, "me", a, http.StatusOK, "ada")
				checkCookie("a later request", setCookie(a))
			}
			clk.Add(tt.idleOK)
			expect(t, "after a long rest", v.get(app.URL+"/api/me"), http.StatusOK, "ada")
			clk.Add(tt.idleEnded)
			expect(t, "after a longer one", v.get(app.URL+"/api/me"), http.StatusUnauthorized,
				"Your session has ended")
		})
	}
}

// TestPrefsStruct: a struct in the session survives the store, and the
// front end gets it back.
func TestPrefsStruct(t *testing.T) {
	app := newTestApp(t, config{})
	v := signUp(t, app, "ada", false)
	expect(t, "setting the theme", v.post(app.URL+"/api/prefs", `{"theme":"dark"}`),
		http.StatusOK, `{"prefs":{"theme":"dark"}}`)
	expect(t, "me", v.get(app.URL+"/api/me"), http.StatusOK,
		`{"prefs":{"theme":"dark"},"user":"ada"}`)
}

// unregistered is a struct that no gob.Register names: a session that
// holds one cannot be saved. registered is the same struct, which the test
// registers (a registration lasts for the process: with -count=2, the
// second run would find unregistered registered).
type (
	unregistered struct{ Theme string }
	registered   struct{ Theme string }
)

// TestGobNeedsRegister: saving a struct that gob does not know fails with
// the error the lesson shows, and prefs is known.
func TestGobNeedsRegister(t *testing.T) {
	_, app := newTestHandler(t, testConfig(t, config{}))
	save := func(value any) error {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		sess, err := app.store.New(req, sessionName)
		if err != nil {
			t.Fatal(err)
		}
		sess.Values[prefsKey] = value
		return app.store.Save(req, httptest.NewRecorder(), sess)
	}
	err := save(unregistered{Theme: "dark"})
	const want = "gob: type not registered for interface: main.unregistered"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("saving an unregistered struct: %v, want %q", err, want)
	}
	if err := save(prefs{Theme: "dark"}); err != nil {
		t.Errorf("saving prefs: %v", err)
	}
	gob.Register(registered{}) // as prefs.go does for prefs
	if err := save(registered{Theme: "dark"}); err != nil {
		t.Errorf("saving such a struct once registered: %v", err)
	}
}
