package main

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"
)

// site is the front end: plain HTML and JavaScript, no build step, built
// into the program with go:embed. A React or Vite app would be served the
// same way, from its own origin, and call the API with fetch.
//
//go:embed frontend
var site embed.FS

var indexPage = template.Must(template.ParseFS(site, "frontend/index.html"))

// region frontend
// newFrontend serves the front end's page, which calls the API at apiURL.
// Its Content-Security-Policy lets the page run only its own script, and
// talk only to its own origin and the API: an injected script tag, or a
// script that sends what it reads elsewhere, is blocked by the browser.
func newFrontend(apiURL string, logger *slog.Logger) *echo.Echo {
	var page bytes.Buffer
	if err := indexPage.Execute(&page, apiURL); err != nil {
		panic(err) // the template is fixed, and its one value a string
	}
	csp := "default-src 'self'; connect-src 'self' " + apiURL + "; form-action 'none'; " +
		"frame-ancestors 'none'; base-uri 'none'"
	e := echo.New()
	e.Logger = logger
	e.Use(requestLogger())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Response().Header().Set("Content-Security-Policy", csp)
			return next(c)
		}
	})
	e.Match(getAndHead, "/", func(c *echo.Context) error {
		return c.HTMLBlob(http.StatusOK, page.Bytes())
	})
	for _, name := range []string{"app.js", "style.css"} {
		e.Match(getAndHead, "/"+name, func(c *echo.Context) error {
			return c.FileFS("frontend/"+name, site)
		})
	}
	return e
}

// endregion frontend
