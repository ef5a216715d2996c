package pgtest

import (
	"net"
	"strconv"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	a, b := s.NewDatabase(t), s.NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.Stop()
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatal("the server still takes connections after Stop")
	}
	s.Restart()
	s.NewDatabase(t) // answers again
}
