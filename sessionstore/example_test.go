package sessionstore_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// exampleSecret stands in for a secret from configuration (32 bytes or more).
var exampleSecret = []byte("an example secret of at least 32 bytes!")

// A counter in plain net/http: each visit loads the session, changes it
// and saves it. The client keeps the cookie in a jar, as a browser does.
func Example() {
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{exampleSecret}})
	if err != nil {
		panic(err)
	}
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := store.Get(r, "sid")
		if err != nil { // the storage failed (ErrUnavailable)
			http.Error(w, "Try again in a moment.", http.StatusServiceUnavailable)
			return
		}
		n, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = n + 1
		if err := sess.Save(r, w); err != nil {
			http.Error(w, "Try again in a moment.", http.StatusServiceUnavailable)
			return
		}
		if n == 0 {
			fmt.Fprint(w, "Welcome to this page for the first time!")
			return
		}
		fmt.Fprintf(w, "You visited this page %d times", n+1)
	})
	srv := httptest.NewServer(store.Middleware("sid")(count)) // one session's requests take turns
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for range 3 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// Welcome to this page for the first time!
	// You visited this page 2 times
	// You visited this page 3 times
}

// A "remember me" login: the session's own MaxAge (30 days) is kept with
// it, and later saves send it again, though the store's is a day.
func ExampleStore_Save_rememberMe() {
	store, _ := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{exampleSecret}})
	r, w := httptest.NewRequest(http.MethodPost, "/login", nil), httptest.NewRecorder()
	sess, _ := store.Get(r, "sid")
	sess.Values["user"] = "ada"
	sess.Options.MaxAge = 30 * 24 * 60 * 60
	if err := store.Regenerate(r, w, sess); err != nil { // a new ID at login
		panic(err)
	}
	cookie := w.Result().Cookies()[0]
	fmt.Println("at login:", cookie.MaxAge)

	// The next visit loads the session with its own options.
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	sess, _ = store.Get(r, "sid")
	fmt.Println("next visit:", sess.Values["user"], sess.Options.MaxAge)
	// Output:
	// at login: 2592000
	// next visit: ada 2592000
}

// Regenerate at login: the session keeps its values under a new ID, and
// the cookie from before the login opens nothing any more.
func ExampleStore_Regenerate() {
	store, _ := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{exampleSecret}})
	visit := func(cookie *http.Cookie, handle http.HandlerFunc) *http.Cookie {
		r, w := httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder()
		if cookie != nil {
			r.AddCookie(cookie)
		}
		handle(w, r)
		if cookies := w.Result().Cookies(); len(cookies) > 0 {
			return cookies[0]
		}
		return nil
	}
	before := visit(nil, func(w http.ResponseWriter, r *http.Request) {
		sess, _ := store.Get(r, "sid")
		sess.Values["cart"] = "2 books"
		_ = sess.Save(r, w)
	})
	after := visit(before, func(w http.ResponseWriter, r *http.Request) {
		sess, _ := store.Get(r, "sid")
		sess.Values["user"] = "ada"
		_ = store.Regenerate(r, w, sess)
	})
	for name, cookie := range map[string]*http.Cookie{"before": before, "after": after} {
		visit(cookie, func(_ http.ResponseWriter, r *http.Request) {
			sess, _ := store.Get(r, "sid")
			fmt.Println(name, sess.IsNew, sess.Values["cart"], sess.Values["user"])
		})
	}
	// Unordered output:
	// before true <nil> <nil>
	// after false 2 books ada
}
