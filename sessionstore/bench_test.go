package sessionstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// BenchmarkReturningVisitor is one Get and Save of an existing session, as
// a handler does it.
func BenchmarkReturningVisitor(b *testing.B) {
	s := newStore(b, sessionstore.Config{})
	_, cookie := visit(b, s, nil, setCount(1))
	base := httptest.NewRequest(http.MethodGet, "/", nil)
	base.AddCookie(cookie)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := new(http.Request)
		*r = *base // a fresh request, as the server makes for each one
		sess, err := s.Get(r, cookieName)
		if err != nil || sess.IsNew {
			b.Fatalf("lost the session: %v", err)
		}
		sess.Values["count"] = i
		if err := sess.Save(r, w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstVisit creates a session and its cookie, on an empty store
// and on one that holds 300,000 sessions (3,000 with -short), as a busy
// site's does: the garbage collector has every held session to go through.
// Each timed visit's session is deleted again, so that the store holds as
// many as it says for the whole run.
func BenchmarkFirstVisit(b *testing.B) {
	many := 300_000
	if testing.Short() {
		many = 3_000
	}
	for _, held := range []int{0, many} {
		b.Run(strconv.Itoa(held)+"-held", func(b *testing.B) {
			storage := memstore.New()
			s := newStoreOver(b, storage, sessionstore.Config{})
			base := httptest.NewRequest(http.MethodGet, "/", nil)
			firstVisit := func() (*sessions.Session, error) {
				r := new(http.Request)
				*r = *base // a fresh request, as the server makes for each one
				sess, _ := s.Get(r, cookieName)
				sess.Values["count"] = 1
				return sess, sess.Save(r, discardWriter{http.Header{}})
			}
			for range held {
				if _, err := firstVisit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				sess, err := firstVisit()
				if err != nil {
					b.Fatal(err)
				}
				_ = storage.Delete(context.Background(), sess.ID)
			}
		})
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// BenchmarkIdleSessionHeap reports the heap that one idle session (a
// page_views count) keeps alive in the store, in bytes per session.
func BenchmarkIdleSessionHeap(b *testing.B) {
	const n = 50_000
	for range b.N {
		storage := memstore.New()
		s := newStoreOver(b, storage, sessionstore.Config{})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range n {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			sess := sessions.NewSession(s, cookieName)
			sess.Options = &sessions.Options{}
			*sess.Options = *s.Options
			sess.Values["page_views"] = i
			if err := s.Save(r, discardWriter{http.Header{}}, sess); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		if storage.Len() != n { // s.Len counts turns, not sessions
			b.Fatalf("holds %d sessions", storage.Len())
		}
		runtime.KeepAlive(s)
		b.Log("sessions held: " + strconv.Itoa(storage.Len()))
	}
}

// BenchmarkValueCopy is what Save and the next New pay to keep the store's
// own copy of a session's values: nothing for a plain number, a gob
// round-trip for anything else (here a list of strings).
func BenchmarkValueCopy(b *testing.B) {
	for _, tc := range []struct {
		name  string
		value any
	}{{"int", 41}, {"string", "Ada"}, {"[]string", []string{"a", "b", "c"}}} {
		b.Run(tc.name, func(b *testing.B) {
			s := newStore(b, sessionstore.Config{})
			_, cookie := visit(b, s, nil, func(sess *sessions.Session) { sess.Values["v"] = tc.value })
			base := httptest.NewRequest(http.MethodGet, "/", nil)
			base.AddCookie(cookie)
			b.ReportAllocs()
			for b.Loop() {
				r := new(http.Request)
				*r = *base
				sess, _ := s.Get(r, cookieName)
				if err := sess.Save(r, discardWriter{http.Header{}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
