package main

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// region lock
// lockSessions makes the requests of one session take turns, as
// sessionlock.Middleware does for Echo v4 (steps 4 to 6): the same Locker
// (in the process, in lock files or in Redis), the same 503s; only the
// middleware's signature is v5's.
func lockSessions(id func(*http.Request) (string, bool), locker sessionlock.Locker) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			sid, ok := id(c.Request())
			if !ok {
				return next(c) // no session yet: nothing to race with
			}
			unlock, err := locker.Lock(c.Request().Context(), sid, sessionlock.DefaultWait)
			if err != nil {
				msg := "The session store is not answering. Try again in a moment."
				if errors.Is(err, sessionlock.ErrBusy) {
					msg = "Another request of this session is still running. Try again in a moment."
				}
				return echo.NewHTTPError(http.StatusServiceUnavailable, msg).Wrap(err)
			}
			defer unlock() // also when the handler panics
			return next(c)
		}
	}
}

// endregion lock
