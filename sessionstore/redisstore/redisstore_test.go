package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/redistest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

func client(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: time.Second, MaxRetries: -1,
		ContextTimeoutEnabled: true})
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

// TestConformanceOnACluster runs the suite through go-redis's cluster
// client, on a one-node Redis Cluster: every script and command must keep
// to one slot, or the cluster refuses it (CROSSSLOT).
func TestConformanceOnACluster(t *testing.T) {
	srv := redistest.StartCluster(t)
	n := 0
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) func() sessionstore.Storage {
			n++
			prefix := fmt.Sprintf("t%d:session:", n)
			return func() sessionstore.Storage {
				c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()},
					DialTimeout: time.Second, MaxRetries: -1, ContextTimeoutEnabled: true})
				t.Cleanup(func() { c.Close() })
				return New(c, prefix)
			}
		},
		Shared: true,
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
	if ttl := c.PTTL(ctx, "session:{a}").Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("got a TTL of %v, want about an hour", ttl)
	}
	if ok, err := s.Update(ctx, "gone", []byte("x"), time.Now().Add(time.Hour)); ok || err != nil || c.Exists(ctx, "session:{gone}").Val() != 0 {
		t.Errorf("Update of a missing session: got %v, %v; want false and nothing stored", ok, err)
	}
}

// TestLeaseFencesALateWriter: a holder that never gives its turn back
// (it died, or stalled) frees the session once its lease has run out, on
// Redis's clock; if it wakes up then, its write is refused, so the next
// holder's write stands (the old lock let it land: a lost update).
func TestLeaseFencesALateWriter(t *testing.T) {
	srv := redistest.Start(t)
	s, ctx := New(client(t, srv), ""), context.Background()
	if err := s.Create(ctx, "a", []byte("1"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	inA, _, err := s.Turn(ctx, "a", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// B waits for the lease to run out: an event of Redis's, not a sleep.
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	inB, endB, err := s.Turn(waitCtx, "a", time.Minute)
	if err != nil {
		t.Fatalf("the lease never freed the turn: %v", err)
	}
	if ok, err := s.Update(inB(ctx), "a", []byte("2"), time.Now().Add(time.Hour)); !ok || err != nil {
		t.Fatalf("B's write: %v, %v", ok, err)
	}
	endB()
	if ok, err := s.Update(inA(ctx), "a", []byte("stale"), time.Now().Add(time.Hour)); ok || err == nil {
		t.Errorf("A's write after its lease ran out: got %v, %v, want it refused", ok, err)
	}
	if data, _, _ := s.Find(ctx, "a"); string(data) != "2" {
		t.Errorf("the session holds %q, want B's 2", data)
	}
}

// cancelAfter cancels a context once a script has run, as if the engine's
// deadline passed while Redis answered.
type cancelAfter struct{ cancel context.CancelFunc }

func (h cancelAfter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h cancelAfter) ProcessPipelineHook(
	next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h cancelAfter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if err == nil && (cmd.Name() == "evalsha" || cmd.Name() == "eval") {
			h.cancel()
		}
		return err
	}
}

// TestTurnTakenAtTheDeadlineIsGivenBack: a turn that Redis grants as the
// caller's deadline passes is given back at once, not held for its lease.
func TestTurnTakenAtTheDeadlineIsGivenBack(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	c.AddHook(cancelAfter{cancel})
	s := New(c, "")
	if _, _, err := s.Turn(ctx, "a", time.Minute); err == nil {
		t.Fatal("Turn: got no error after its context ended")
	}
	// The turn is given back in the background: looking for its key at once
	// would race that. The lease is a minute; the next turn must not wait.
	next, cancelNext := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelNext()
	_, end, err := New(client(t, srv), "").Turn(next, "a", time.Minute)
	if err != nil {
		t.Fatalf("a turn taken at the deadline is still held: %v", err)
	}
	end()
}

// TestStall: a stalled Redis (stopped with SIGSTOP) costs a request no
// more than the engine's wait, for every kind of request, and the store
// recovers by itself.
func TestStall(t *testing.T) {
	srv := redistest.Start(t)
	storetest.CheckStall(t, New(client(t, srv), ""), srv.Pause, srv.Resume)
}

// loseReply ends a context once a script has run, and reports the deadline
// as the error, as when the engine's deadline passes while Redis answers.
type loseReply struct{ cancel context.CancelFunc }

func (h loseReply) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h loseReply) ProcessPipelineHook(
	next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h loseReply) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if err == nil && (cmd.Name() == "evalsha" || cmd.Name() == "eval") {
			h.cancel()
			cmd.SetErr(context.DeadlineExceeded)
			return cmd.Err()
		}
		return err
	}
}

// TestTurnWhoseAnswerIsLostIsGivenBack: a turn that Redis grants while
// the caller's deadline passes, so that the answer never arrives, is given
// back, not held for its lease: the next request gets it.
func TestTurnWhoseAnswerIsLostIsGivenBack(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	c.AddHook(loseReply{cancel})
	if _, _, err := New(c, "").Turn(ctx, "a", time.Minute); err == nil {
		t.Fatal("Turn: got no error after its answer was lost")
	}
	// The lease is a minute; the next turn must not wait for it.
	next, cancelNext := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelNext()
	_, end, err := New(client(t, srv), "").Turn(next, "a", time.Minute)
	if err != nil {
		t.Fatalf("the next turn: %v, want it free", err)
	}
	end()
}

// runTwice runs a script twice, as the client does when it retries one
// whose answer it lost (go-redis retries on a network error).
type runTwice struct{}

func (runTwice) DialHook(next redis.DialHook) redis.DialHook { return next }
func (runTwice) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (runTwice) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" || cmd.Name() == "eval" {
			_ = next(ctx, cmd) // its answer lost
		}
		return next(ctx, cmd)
	}
}

// TestRetriedTurnIsTaken: a lock script that runs twice for one turn (a
// retry) takes the turn; it does not wait for its own lease to run out.
func TestRetriedTurnIsTaken(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	c.AddHook(runTwice{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // the lease is a minute
	defer cancel()
	_, end, err := New(c, "").Turn(ctx, "a", time.Minute)
	if err != nil {
		t.Fatalf("a retried turn: %v, want it taken", err)
	}
	end()
}

// TestFailedReleaseIsLogged: a turn given back while Redis is down is
// logged at WARN, without the session's ID (its lease frees it later).
func TestFailedReleaseIsLogged(t *testing.T) {
	srv := redistest.Start(t)
	s := New(client(t, srv), "")
	var logs storetest.SyncBuffer
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	_, end, err := s.Turn(context.Background(), "secret-id", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := end(); err != nil {
		t.Fatal(err) // the release runs in the background
	}
	logs.WaitFor(t, "level=WARN msg=\"redisstore: giving a session's turn back failed")
	if strings.Contains(logs.String(), "secret-id") {
		t.Errorf("the warning names the session: %s", logs.String())
	}
}

// TestCloseWaitsForReleases: Close returns once the turns given back in
// the background have landed, so that a shutdown can close the client
// after it without losing them.
func TestCloseWaitsForReleases(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	s := New(c, "")
	for i := range 20 {
		_, end, err := s.Turn(context.Background(), fmt.Sprint("id", i), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		end()
	}
	s.Close()
	if keys := c.Keys(context.Background(), "session:lock:*").Val(); len(keys) != 0 {
		t.Errorf("after Close, %d turns are still held: %v", len(keys), keys)
	}
}
