package memstore

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) func() sessionstore.Storage {
			s := New()
			return func() sessionstore.Storage { return s }
		},
	})
}

// TestCreateSweepsExpired: the store removes expired sessions as it goes,
// once a SweepInterval, and keeps the live ones.
func TestCreateSweepsExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := New()
		s.Create(ctx, "short", []byte("x"), time.Now().Add(time.Second))
		s.Create(ctx, "long", []byte("x"), time.Now().Add(time.Hour))
		time.Sleep(SweepInterval - time.Second)
		s.Create(ctx, "third", []byte("x"), time.Now().Add(time.Hour))
		if s.Len() != 3 {
			t.Fatalf("swept before its interval: got %d sessions, want 3", s.Len())
		}
		time.Sleep(time.Second)
		s.Create(ctx, "fourth", []byte("x"), time.Now().Add(time.Hour))
		if _, found, _ := s.Find(ctx, "short"); found || s.Len() != 3 {
			t.Errorf("after the interval: short found=%v, %d sessions; want it gone and 3 left", found, s.Len())
		}
	})
}

// TestUpdateNeverCreates: Update of an ID the store does not hold reports
// false and stores nothing, so a deleted session cannot come back.
func TestUpdateNeverCreates(t *testing.T) {
	s := New()
	if ok, _ := s.Update(context.Background(), "gone", []byte("x"), time.Now().Add(time.Hour)); ok || s.Len() != 0 {
		t.Errorf("Update of an unknown ID: got %v with %d sessions, want false and 0", ok, s.Len())
	}
}
