// Package fakeclock is a clock for tests: it moves only when the test says
// so, so that expiry can be tested without sleeping.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a fake clock. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that shows start until it is advanced.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time; pass c.Now where code takes a clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
