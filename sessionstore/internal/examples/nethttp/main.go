// Command nethttp is the session engine without a framework: its memory
// storage, in a net/http server that counts each visitor's views. Run it
// with SESSION_SECRET set to 32 characters or more.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

func main() {
	// The secret signs the cookie. It comes from the environment, never the source.
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{
		Secrets: [][]byte{[]byte(os.Getenv("SESSION_SECRET"))},
	})
	if err != nil {
		log.Fatal(err)
	}
	count := func(w http.ResponseWriter, r *http.Request) {
		// This visitor's page only: no cache may keep it or serve it to another.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Cookie")
		sess, err := store.Get(r, "sid")
		if err != nil { // the store failed: a bad cookie is a fresh session, not an error
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Try again in a moment.", http.StatusServiceUnavailable)
			return
		}
		n, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = n + 1
		if err := sess.Save(r, w); err != nil {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Try again in a moment.", http.StatusServiceUnavailable)
			return
		}
		if n == 0 {
			fmt.Fprint(w, "Welcome to this page for the first time!")
			return
		}
		fmt.Fprintf(w, "You visited this page %d times", n+1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", count) // HEAD too; the engine saves nothing for a HEAD
	// store.Middleware makes one session's requests take turns.
	log.Fatal(http.ListenAndServe("localhost:3000", store.Middleware("sid")(mux)))
}
