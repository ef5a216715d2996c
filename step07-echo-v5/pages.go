package main

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v5"
)

// page is what a template shows: who is logged in, and the flash messages
// waiting for this page.
type page struct {
	User    string
	Flashes []string
}

// pageTemplate is one page of the site. html/template escapes every value
// it inserts, so a user ID like <script> is shown, never run.
type pageTemplate = *template.Template

// layout is every page's frame.
const layout = `{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>body{font:18px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0}input{font:inherit;display:block;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1rem}.rule{font-size:.85em;margin:-.5rem 0 0;color:#555}.flash{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem 1rem}</style>
</head><body><h1>{{.}}</h1>{{end}}
{{define "flashes"}}{{range .}}<p class="flash" role="status">{{.}}</p>{{end}}{{end}}`

var (
	homePage = template.Must(template.New("home").Parse(layout + `{{template "top" "Sessions in Go: log in"}}
{{if .User}}<p>You are logged in as {{.User}}. <a href="/protected_page">Your page</a>.</p>
{{else}}<p>You are not logged in. <a href="/login">Log in</a> or <a href="/signup">sign up</a>.</p>{{end}}
</body></html>`))

	signupPage = template.Must(template.New("signup").Parse(layout + `{{template "top" "Sign up"}}
{{template "flashes" .Flashes}}
<form method="post" action="/signup">
<label>User ID <input name="id" required maxlength="64" autocomplete="username" aria-describedby="id-rule"></label>
<p class="rule" id="id-rule">1 to 64 letters, digits or punctuation marks, no spaces. Capitals count as small letters: Ada and ada are one name.</p>
<label>Password <input name="password" type="password" required minlength="8" maxlength="72" autocomplete="new-password"></label>
<button>Sign up</button>
</form>
<p>Have an account? <a href="/login">Log in</a>.</p>
</body></html>`))

	loginPage = template.Must(template.New("login").Parse(layout + `{{template "top" "Log in"}}
{{template "flashes" .Flashes}}
<form method="post" action="/login">
<label>User ID <input name="id" required maxlength="64" autocomplete="username"></label>
<label>Password <input name="password" type="password" required maxlength="72" autocomplete="current-password"></label>
<button>Log in</button>
</form>
<p>No account yet? <a href="/signup">Sign up</a>.</p>
</body></html>`))

	protectedPage = template.Must(template.New("protected").Parse(layout + `{{template "top" "Protected page"}}
<p>Hey {{.User}}</p>
<form method="post" action="/logout"><button>Log out</button></form>
</body></html>`))
)

// render answers with t, filled in with p. The page is made in full before
// anything is sent, so that a template error is a clean 500.
func render(c *echo.Context, t pageTemplate, p page) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
