package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/redistest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

func client(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestConformance runs the engine's suite on one redis-server; each check
// gets a key prefix of its own, so it starts empty.
func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	n := 0
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) func() sessionstore.Storage {
			n++
			prefix := fmt.Sprintf("t%d:session:", n)
			return func() sessionstore.Storage { return New(client(t, srv), prefix) }
		},
		Shared:  true,
		Outage:  func(*testing.T) { srv.Stop() },
		Recover: func(*testing.T) { srv.Restart() },
	})
}

// TestRedisExpiresSessions: Redis holds a session until its expiry and no
// longer, so it removes ended sessions itself.
func TestRedisExpiresSessions(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	s, ctx := New(c, ""), context.Background()
	if err := s.Create(ctx, "a", []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ttl := c.PTTL(ctx, "session:a").Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("got a TTL of %v, want about an hour", ttl)
	}
	if ok, err := s.Update(ctx, "gone", []byte("x"), time.Now().Add(time.Hour)); ok || err != nil || c.Exists(ctx, "session:gone").Val() != 0 {
		t.Errorf("Update of a missing session: got %v, %v; want false and nothing stored", ok, err)
	}
}

// TestLockLeaseFreesADeadHolder: a lock whose holder never unlocks (it
// died) is free again once its lease has run out.
func TestLockLeaseFreesADeadHolder(t *testing.T) {
	srv := redistest.Start(t)
	s, ctx := New(client(t, srv), ""), context.Background()
	if ok, err := s.TryLock(ctx, "a", "dead", 100*time.Millisecond); !ok || err != nil {
		t.Fatalf("TryLock: %v, %v", ok, err)
	}
	if ok, _ := s.TryLock(ctx, "a", "other", time.Second); ok {
		t.Fatal("took a lock that is held")
	}
	if ok, _ := s.Renew(ctx, "a", "other", time.Second); ok {
		t.Error("renewed a lock held by somebody else")
	}
	deadline := time.Now().Add(10 * time.Second) // waits for Redis's expiry, an event
	for {
		if ok, _ := s.TryLock(ctx, "a", "other", time.Second); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease never freed the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Unlock(ctx, "a", "dead") // not the holder: must not release it
	if ok, _ := s.TryLock(ctx, "a", "third", time.Second); ok {
		t.Error("a stale holder's Unlock released somebody else's lock")
	}
}
