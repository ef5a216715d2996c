// Package storetest is the one conformance suite that every storage of the
// course's session engine passes (memory, Redis, SQLite, PostgreSQL), and
// the helpers that drive a sessions.Store the way a handler does. gorilla
// publishes no such suite; scs tests each of its stores by hand.
package storetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
)

// Name is the session's name in the suite, and so its cookie's.
const Name = "sid"

// Secrets the suite signs with.
var (
	SecretA = []byte("test-secret-A-0123456789abcdefghijklmnop")
	SecretB = []byte("test-secret-B-0123456789abcdefghijklmnop")
)

// Backend is what the suite needs of a storage.
type Backend struct {
	// Open returns a fresh, empty storage for one test; the same test may
	// call Connect for more handles on it, as other processes would have.
	Open func(t *testing.T) (connect func() sessionstore.Storage)
	// Shared: handles from one Open share sessions and turns, as separate
	// processes do (false for memory, which lives in one process).
	Shared bool
	// Outage stops the server behind the storage, and Recover brings it
	// back; nil where there is no server (memory).
	Outage, Recover func(t *testing.T)
	// Durable: what was stored before the outage is still there after it
	// (a database; not the tests' Redis, which keeps nothing on disk).
	Durable bool
}

// Run runs every check on b.
func Run(t *testing.T, b Backend) {
	engine := func(t *testing.T, storage sessionstore.Storage, clock *Clock, cfg sessionstore.Config) *sessionstore.Store {
		t.Helper()
		if cfg.Secrets == nil {
			cfg.Secrets = [][]byte{SecretA}
		}
		if clock != nil {
			cfg.Now = clock.Now
		}
		if locks, ok := storage.(sharedlock.Storage); ok {
			cfg.Shared = sharedlock.New(locks, 0, nil) // instances take turns too
		}
		s, err := sessionstore.New(storage, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := engine(t, b.Open(t)(), nil, sessionstore.Config{})
		first, cookie := MustVisit(t, s, nil, Set("page_views", 1))
		got, _ := MustVisit(t, s, cookie, nil)
		if got.IsNew || got.ID != first.ID || got.Values["page_views"] != 1 {
			t.Errorf("got IsNew=%v ID=%q values %v, want session %q with page_views 1", got.IsNew, got.ID, got.Values, first.ID)
		}
	})
	t.Run("StrictIDs", func(t *testing.T) {
		s := engine(t, b.Open(t)(), nil, sessionstore.Config{})
		forged := &http.Cookie{Name: Name, Value: testcookie.Signed(t, Name, string(SecretA), "AAAAAAAAAAAAAAAAAAAAAAAAAA")}
		sess, cookie := MustVisit(t, s, forged, Set("page_views", 1))
		if sess.ID == "AAAAAAAAAAAAAAAAAAAAAAAAAA" || cookie == nil || cookie.Value == forged.Value {
			t.Errorf("a well-signed ID the store never issued was adopted (ID %q)", sess.ID)
		}
	})
	t.Run("IdleAndAbsoluteTimeouts", func(t *testing.T) {
		clock := NewClock()
		s := engine(t, b.Open(t)(), clock, sessionstore.Config{MaxAge: 2, Lifetime: 4})
		CheckLifetime(t, s, clock.Sleep)
		first, cookie := MustVisit(t, s, nil, Set("page_views", 1))
		clock.Sleep(2 * time.Second) // idle for MaxAge
		if got, c := MustVisit(t, s, cookie, nil); !got.IsNew || got.ID == first.ID || c == nil {
			t.Errorf("idle for MaxAge: got IsNew=%v ID=%q, want a fresh session under a fresh ID", got.IsNew, got.ID)
		}
	})
	t.Run("PerSessionMaxAge", func(t *testing.T) {
		for _, tt := range []struct {
			name       string
			maxAge     int // the session's own, seconds; the store's is 60
			idle       time.Duration
			wantAlive  bool
			wantMaxAge int
		}{
			{"longer, within it", 3600, 30 * time.Minute, true, 3600},
			{"longer, past it", 3600, 61 * time.Minute, false, 3600},
			{"shorter, past it", 10, 11 * time.Second, false, 10},
			{"shorter, within it", 10, 9 * time.Second, true, 10},
		} {
			t.Run(tt.name, func(t *testing.T) {
				clock := NewClock()
				s := engine(t, b.Open(t)(), clock, sessionstore.Config{MaxAge: 60})
				_, cookie := MustVisit(t, s, nil, func(sess *sessions.Session) {
					sess.Values["remember"] = true
					sess.Options.MaxAge = tt.maxAge
				})
				if cookie == nil || cookie.MaxAge != tt.wantMaxAge {
					t.Fatalf("got cookie %v, want Max-Age=%d", cookie, tt.wantMaxAge)
				}
				clock.Sleep(tt.idle)
				if got, _ := MustVisit(t, s, cookie, nil); got.IsNew == tt.wantAlive {
					t.Errorf("after %v idle: alive=%v, want %v", tt.idle, !got.IsNew, tt.wantAlive)
				}
			})
		}
	})
	t.Run("OptionsLast", func(t *testing.T) {
		CheckOptionsLast(t, func(clock *Clock) *sessionstore.Store {
			return engine(t, b.Open(t)(), clock, sessionstore.Config{MaxAge: 3600})
		})
	})
	t.Run("MaxAgeZero", func(t *testing.T) {
		CheckMaxAgeZero(t, engine(t, b.Open(t)(), nil, sessionstore.Config{}))
	})
	t.Run("Regenerate", func(t *testing.T) {
		CheckRegenerate(t, engine(t, b.Open(t)(), nil, sessionstore.Config{}))
	})
	t.Run("Destroy", func(t *testing.T) {
		s := engine(t, b.Open(t)(), nil, sessionstore.Config{})
		_, cookie := MustVisit(t, s, nil, Set("page_views", 3))
		_, cleared := MustVisit(t, s, cookie, func(sess *sessions.Session) { sess.Options.MaxAge = -1 })
		if cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
			t.Errorf("MaxAge -1: got cookie %v, want it cleared", cleared)
		}
		if got, _ := MustVisit(t, s, cookie, nil); !got.IsNew {
			t.Error("the old cookie still opens a destroyed session")
		}
	})
	t.Run("KeepsItsOwnCopy", func(t *testing.T) {
		CheckLikeAServer(t, engine(t, b.Open(t)(), nil, sessionstore.Config{}))
	})
	t.Run("DeletedMeanwhileStaysDeleted", func(t *testing.T) {
		s := engine(t, b.Open(t)(), nil, sessionstore.Config{})
		_, cookie := MustVisit(t, s, nil, Set("page_views", 1))
		req := Request(cookie)
		sess, err := s.Get(req, Name)
		if err != nil {
			t.Fatal(err)
		}
		// Another request (a logout elsewhere) ends it while this one runs.
		MustVisit(t, s, cookie, func(sess *sessions.Session) { sess.Options.MaxAge = -1 })
		sess.Values["page_views"] = 2
		rec := httptest.NewRecorder()
		if err := sess.Save(req, rec); err != nil {
			t.Fatal(err)
		}
		if got, _ := MustVisit(t, s, cookie, nil); !got.IsNew {
			t.Errorf("a session deleted meanwhile came back: %v", got.Values)
		}
		// The browser may hold a newer cookie by now (a login): leave it be.
		if c := SessionCookie(rec); c != nil {
			t.Errorf("got cookie %v, want none: the browser's cookie is left alone", c)
		}
	})
	t.Run("RegenerateEndedMeanwhileStaysEnded", func(t *testing.T) {
		s := engine(t, b.Open(t)(), nil, sessionstore.Config{})
		_, cookie := MustVisit(t, s, nil, Set("page_views", 1))
		req := Request(cookie)
		sess, err := s.Get(req, Name)
		if err != nil {
			t.Fatal(err)
		}
		MustVisit(t, s, cookie, func(sess *sessions.Session) { sess.Options.MaxAge = -1 })
		rec := httptest.NewRecorder()
		if err := s.Regenerate(req, rec, sess); err != nil {
			t.Fatal(err)
		}
		if err := sessions.Save(req, rec); err != nil { // and a save after it, as some apps do
			t.Fatal(err)
		}
		if c := SessionCookie(rec); c != nil {
			got, _ := MustVisit(t, s, c, nil)
			t.Errorf("Regenerate brought an ended session back under a new ID (values %v)", got.Values)
		}
	})
	t.Run("StaleCookieAfterLogin", func(t *testing.T) {
		clock := NewClock()
		CheckStaleCookieAfterLogin(t, engine(t, b.Open(t)(), clock, sessionstore.Config{}), clock)
	})
	t.Run("StorageContract", func(t *testing.T) {
		CheckStorageContract(t, b.Open(t)())
	})
	t.Run("SecretRotation", func(t *testing.T) {
		connect := b.Open(t)
		if !b.Shared {
			storage := connect()
			connect = func() sessionstore.Storage { return storage } // a restart that kept them
		}
		old := engine(t, connect(), nil, sessionstore.Config{Secrets: [][]byte{SecretA}})
		_, cookie := MustVisit(t, old, nil, func(sess *sessions.Session) {
			sess.Values["page_views"] = 3
			sess.Values["tags"] = []string{"a"} // a gob record, signed with a key from the secret
		})
		rotated := engine(t, connect(), nil, sessionstore.Config{Secrets: [][]byte{SecretB, SecretA}})
		if got, _ := MustVisit(t, rotated, cookie, nil); got.IsNew || got.Values["page_views"] != 3 {
			t.Errorf("the previous secret's cookie was refused: IsNew=%v values %v", got.IsNew, got.Values)
		}
		dropped := engine(t, connect(), nil, sessionstore.Config{Secrets: [][]byte{SecretB}})
		if got, _ := MustVisit(t, dropped, cookie, nil); !got.IsNew {
			t.Error("a cookie signed with a dropped secret was accepted")
		}
	})
	t.Run("ConcurrentVisits", func(t *testing.T) {
		connect := b.Open(t)
		one := engine(t, connect(), nil, sessionstore.Config{Wait: time.Minute})
		apps := []*sessionstore.Store{one}
		if b.Shared {
			apps = append(apps, engine(t, connect(), nil, sessionstore.Config{Wait: time.Minute}))
		}
		CheckExactCounts(t, apps, 64, 5)
	})
	if b.Outage != nil {
		t.Run("OutageIs503ThenRecovers", func(t *testing.T) {
			storage := b.Open(t)()
			s := engine(t, storage, nil, sessionstore.Config{Wait: 5 * time.Second})
			srv := httptest.NewServer(CounterApp(s))
			defer srv.Close()
			// During the outage, an instance with a short wait: a held
			// SQLite lock is waited for to the end of it.
			short := httptest.NewServer(CounterApp(
				engine(t, storage, nil, sessionstore.Config{Wait: 200 * time.Millisecond})))
			defer short.Close()
			jar, _ := cookiejar.New(nil) // cookies ignore the port: both get it
			client := &http.Client{Jar: jar}
			if status, body := Get(t, client, srv.URL); status != http.StatusOK || body != "1" {
				t.Fatalf("before the outage: got %d %q, want 200 \"1\"", status, body)
			}
			b.Outage(t)
			if status, _ := Get(t, client, short.URL); status != http.StatusServiceUnavailable {
				t.Errorf("during the outage: got %d, want 503", status)
			}
			b.Recover(t)
			want := "1" // a fresh session: the server lost it
			if b.Durable {
				want = "2"
			}
			if status, body := Get(t, client, srv.URL); status != http.StatusOK || body != want {
				t.Errorf("after recovery: got %d %q, want 200 %q", status, body, want)
			}
			// The instance that failed recovers too. Its wait is short, so
			// a 503 (a reconnect on a busy machine) may come first; such a
			// visit changes nothing.
			next, _ := strconv.Atoi(want)
			for deadline := time.Now().Add(30 * time.Second); ; {
				status, body := Get(t, client, short.URL)
				if status == http.StatusOK {
					if body != strconv.Itoa(next+1) {
						t.Errorf("the short instance after recovery: got %q, want %d", body, next+1)
					}
					break
				}
				if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
					t.Fatalf("the short instance after recovery: got %d, want 200", status)
				}
			}
		})
	}
}

// Set returns a change that sets one value.
func Set(key string, value any) func(*sessions.Session) {
	return func(sess *sessions.Session) { sess.Values[key] = value }
}

// Request returns a GET request that carries cookie, if not nil.
func Request(cookie *http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

// Visit runs one request through s: it gets the session called Name
// (sending cookie, if not nil), lets change edit it (if not nil), and saves
// it. It returns the session, the cookie that the response set (nil if
// none), and the first error.
func Visit(s sessions.Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie, error) {
	req := Request(cookie)
	sess, err := s.Get(req, Name)
	if err != nil {
		return sess, nil, err
	}
	if change != nil {
		change(sess)
	}
	rec := httptest.NewRecorder()
	if err := sess.Save(req, rec); err != nil {
		return sess, nil, err
	}
	return sess, SessionCookie(rec), nil
}

// SessionCookie returns the cookie called Name that rec set, or nil.
func SessionCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == Name {
			return c
		}
	}
	return nil
}

// MustVisit is Visit for a visit that must succeed.
func MustVisit(t testing.TB, s sessions.Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie) {
	t.Helper()
	sess, c, err := Visit(s, cookie, change)
	if err != nil {
		t.Fatal(err)
	}
	return sess, c
}

// CheckRegenerate tests Regenerate: the session keeps its values under a
// new ID, and the old cookie opens nothing any more.
func CheckRegenerate(t *testing.T, s *sessionstore.Store) {
	t.Helper()
	first, oldCookie := MustVisit(t, s, nil, Set("page_views", 4))
	req := Request(oldCookie)
	sess, err := s.Get(req, Name)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := s.Regenerate(req, rec, sess); err != nil {
		t.Fatalf("Regenerate: %v", err)
	}
	newCookie := SessionCookie(rec)
	if sess.ID == first.ID || newCookie == nil {
		t.Fatalf("Regenerate kept ID %q (new cookie %v)", sess.ID, newCookie)
	}
	if got, _ := MustVisit(t, s, newCookie, nil); got.Values["page_views"] != 4 {
		t.Errorf("the new ID lost the values: %v", got.Values)
	}
	if got, _ := MustVisit(t, s, oldCookie, nil); !got.IsNew {
		t.Error("the old ID still opens the session after Regenerate")
	}
}

// CheckStaleCookieAfterLogin tests a request that still carries the
// cookie from before a login, arrived before the login ended and is
// answered after it (it waited for its turn). Whatever it saves, and even
// if it calls Regenerate, it must not send a cookie: that would replace
// the browser's new one and log the user out. A request that arrives
// later with that cookie (a copy of it) gets a fresh session as usual.
func CheckStaleCookieAfterLogin(t *testing.T, s *sessionstore.Store, clock *Clock) {
	t.Helper()
	_, before := MustVisit(t, s, nil, Set("page_views", 1))
	var waiting []*http.Request
	for range 2 {
		req := Request(before)
		s.ID(req, Name) // what Middleware does when a request arrives
		waiting = append(waiting, req)
	}
	login := Request(before)
	sess, err := s.Get(login, Name)
	if err != nil {
		t.Fatal(err)
	}
	sess.Values["user"] = "ada"
	rec := httptest.NewRecorder()
	if err := s.Regenerate(login, rec, sess); err != nil {
		t.Fatal(err)
	}
	after := SessionCookie(rec)
	for i, regenerate := range []bool{false, true} {
		req := waiting[i]
		stale, err := s.Get(req, Name)
		if err != nil {
			t.Fatal(err)
		}
		if !stale.IsNew || stale.Values["user"] != nil {
			t.Errorf("the pre-login cookie opened %v, want a fresh session", stale.Values)
		}
		stale.Values["page_views"] = 1
		rec := httptest.NewRecorder()
		save := sessions.Save
		if regenerate {
			save = func(r *http.Request, w http.ResponseWriter) error { return s.Regenerate(r, w, stale) }
		}
		if err := save(req, rec); err != nil {
			t.Fatal(err)
		}
		if c := SessionCookie(rec); c != nil {
			t.Errorf("regenerate=%v: the stale request sent cookie %v, which logs the user out", regenerate, c)
		}
	}
	if got, _ := MustVisit(t, s, after, nil); got.Values["user"] != "ada" {
		t.Errorf("after the stale requests, the login's cookie opens %v, want user ada", got.Values)
	}
	clock.Sleep(time.Second)
	if got, c := MustVisit(t, s, before, Set("page_views", 1)); !got.IsNew || c == nil {
		t.Errorf("a copy of the old cookie, later: got IsNew=%v cookie %v, want a fresh session", got.IsNew, c)
	}
}

// CheckStorageContract tests the two rules every storage keeps, on the
// storage itself: Create never overwrites a live record, and Update never
// revives an expired one.
func CheckStorageContract(t *testing.T, storage sessionstore.Storage) {
	t.Helper()
	ctx := context.Background()
	if err := storage.Create(ctx, "live", []byte("first"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := storage.Create(ctx, "live", []byte("second"), time.Now().Add(time.Hour)); err == nil {
		t.Error("a second Create under a live ID succeeded, want an error")
	}
	if data, found, err := storage.Find(ctx, "live"); err != nil || !found || string(data) != "first" {
		t.Errorf("after a second Create: got %q, %v, %v; want the first record", data, found, err)
	}
	if err := storage.Create(ctx, "ended", []byte("old"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	updated, err := storage.Update(ctx, "ended", []byte("revived"), time.Now().Add(time.Hour))
	if err != nil || updated {
		t.Errorf("Update of an expired record: got %v, %v; want false", updated, err)
	}
	if data, found, _ := storage.Find(ctx, "ended"); found && string(data) == "revived" {
		t.Error("Update revived an expired record")
	}
}

// CheckLifetime tests a store made with MaxAge 2 and Lifetime 4 (seconds):
// visited every second, the session lives on past its idle timeout, and
// ends at its absolute lifetime, 4 seconds after it began. sleep moves the
// store's clock.
func CheckLifetime(t *testing.T, s sessions.Store, sleep func(time.Duration)) {
	t.Helper()
	first, cookie := MustVisit(t, s, nil, Set("page_views", 1))
	for second := 1; second <= 4; second++ {
		sleep(time.Second)
		sess, c := MustVisit(t, s, cookie, func(sess *sessions.Session) {
			n, _ := sess.Values["page_views"].(int)
			sess.Values["page_views"] = n + 1
		})
		if c != nil {
			cookie = c
		}
		alive := second < 4
		if alive && (sess.IsNew || sess.ID != first.ID) {
			t.Fatalf("after %ds, visited every second: the session ended before its lifetime", second)
		}
		if !alive && (!sess.IsNew || sess.ID == first.ID) {
			t.Fatalf("after %ds: the session outlived its 4s lifetime (values %v)", second, sess.Values)
		}
	}
}

// CheckOptionsLast tests that a session's own options (set once, on its
// first visit) last: a save two hours later and a refresh ten minutes
// after that send them again, and its own MaxAge decides when it ends.
// open returns an engine whose store's MaxAge is an hour, on clock.
func CheckOptionsLast(t *testing.T, open func(*Clock) *sessionstore.Store) {
	t.Helper()
	hour := 3600
	for _, tt := range []struct {
		name  string
		own   sessions.Options
		steps []time.Duration // visits after these waits, each a save
		dead  time.Duration   // and after this wait it has ended
	}{
		{"remember me, 30 days", sessions.Options{Path: "/", MaxAge: 30 * 86400, HttpOnly: true,
			SameSite: http.SameSiteLaxMode}, []time.Duration{2 * time.Hour, 10 * time.Minute}, 31 * 24 * time.Hour},
		{"shorter, 20 minutes", sessions.Options{Path: "/", MaxAge: 1200, HttpOnly: true,
			SameSite: http.SameSiteLaxMode}, []time.Duration{15 * time.Minute, 10 * time.Minute}, 30 * time.Minute},
		{"browser session", sessions.Options{Path: "/", MaxAge: 0, HttpOnly: true,
			SameSite: http.SameSiteLaxMode}, []time.Duration{50 * time.Minute, 10 * time.Minute}, 2 * time.Hour},
		{"every attribute", sessions.Options{Path: "/app", Domain: "example.com", MaxAge: 2 * hour,
			Secure: true, Partitioned: true, SameSite: http.SameSiteStrictMode},
			[]time.Duration{90 * time.Minute, 10 * time.Minute}, 3 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock()
			s := open(clock)
			first, cookie := MustVisit(t, s, nil, func(sess *sessions.Session) {
				sess.Values["page_views"] = 1
				*sess.Options = tt.own
			})
			check := func(when string, c *http.Cookie) {
				t.Helper()
				if c == nil {
					t.Fatalf("%s: no cookie sent", when)
				}
				got := sessions.Options{Path: c.Path, Domain: c.Domain, MaxAge: c.MaxAge, Secure: c.Secure,
					HttpOnly: c.HttpOnly, Partitioned: c.Partitioned, SameSite: c.SameSite}
				if got != tt.own || (tt.own.MaxAge == 0) != c.Expires.IsZero() {
					t.Fatalf("%s: got cookie %+v, want the session's own options %+v", when, got, tt.own)
				}
			}
			check("first visit", cookie)
			for i, wait := range tt.steps {
				clock.Sleep(wait)
				sess, c := MustVisit(t, s, cookie, Set("page_views", i+2))
				if sess.IsNew || sess.ID != first.ID {
					t.Fatalf("visit %d, %v later: the session ended", i+2, wait)
				}
				check(fmt.Sprintf("visit %d, %v later", i+2, wait), c)
			}
			clock.Sleep(tt.dead)
			if got, _ := MustVisit(t, s, cookie, nil); !got.IsNew {
				t.Errorf("%v later: the session lives on past its own MaxAge", tt.dead)
			}
		})
	}
}

// CheckMaxAgeZero tests what Options.MaxAge 0 means: a cookie without
// Max-Age (the browser forgets it when it closes), while the store keeps
// the session.
func CheckMaxAgeZero(t *testing.T, s sessions.Store) {
	t.Helper()
	_, cookie := MustVisit(t, s, nil, func(sess *sessions.Session) {
		sess.Values["page_views"] = 3
		sess.Options.MaxAge = 0
	})
	if cookie == nil || cookie.MaxAge != 0 || !cookie.Expires.IsZero() {
		t.Fatalf("MaxAge 0: got cookie %v, want one with no Max-Age or Expires", cookie)
	}
	if got, _ := MustVisit(t, s, cookie, nil); got.IsNew || got.Values["page_views"] != 3 {
		t.Errorf("MaxAge 0: the store dropped the session (IsNew=%v, values %v)", got.IsNew, got.Values)
	}
}

// CheckLikeAServer tests that a store keeps its own copy of the values, as
// a store with a server behind it does: a value changed in place after Get
// and not saved is not stored, and a value gob cannot encode fails at Save.
func CheckLikeAServer(t *testing.T, s sessions.Store) {
	t.Helper()
	_, cookie := MustVisit(t, s, nil, Set("tags", []string{"a"}))
	got, _ := MustVisit(t, s, cookie, nil)
	got.Values["tags"].([]string)[0] = "changed in place, never saved"
	if again, _ := MustVisit(t, s, cookie, nil); again.Values["tags"].([]string)[0] != "a" {
		t.Errorf("a value changed in place without Save reached the store: %v", again.Values)
	}
	if _, _, err := Visit(s, cookie, Set("f", func() {})); err == nil {
		t.Error("Save stored a value that gob cannot encode, want an error")
	}
}

// CounterApp is the course's counter as plain net/http over s, behind its
// turn-taking: it answers the new count, or a 503 when the store failed.
func CounterApp(s *sessionstore.Store) http.Handler {
	return s.Middleware(Name)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Get(r, Name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		n, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = n + 1
		if err := sess.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, n+1)
	}))
}

// Get fetches url with client and returns the status and the body.
func Get(t testing.TB, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body [64]byte
	n, _ := resp.Body.Read(body[:])
	return resp.StatusCode, string(body[:n])
}

// CheckExactCounts sends clients×turns visits of one session, spread over
// the apps (instances sharing one storage) at once, and checks that every
// visit got a 200 and was counted: not one lost update.
func CheckExactCounts(t *testing.T, apps []*sessionstore.Store, clients, turns int) {
	t.Helper()
	var urls []string
	for _, s := range apps {
		srv := httptest.NewServer(CounterApp(s))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	// The first visit makes the session; every client then sends its cookie.
	_, first := MustVisit(t, apps[0], nil, Set("page_views", 0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for c := range clients {
		wg.Go(func() {
			for range turns {
				req, _ := http.NewRequest(http.MethodGet, urls[c%len(urls)], nil)
				req.AddCookie(first)
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	got, _ := MustVisit(t, apps[0], first, nil)
	if want := clients * turns; failures != 0 || got.Values["page_views"] != want {
		t.Errorf("got page_views %v with %d failed requests, want %d and none", got.Values["page_views"], failures, want)
	}
}

// Clock is a clock for the engine's Now option that moves only when told
// to. (Inside a testing/synctest bubble time.Now and time.Sleep do this for
// the whole program; a storage whose server keeps real time needs this.)
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to the real time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock forward by d, at once.
func (c *Clock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
