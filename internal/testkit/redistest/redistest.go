// Package redistest starts a throwaway redis-server for tests.
//
// Start runs `redis-server` on a free loopback port, with nothing saved to
// disk, and stops it when the test ends. When the binary is not installed it
// skips the test with a one-line reason, so `go test ./...` passes on a
// machine without Redis; CI installs redis-server, so there the tests run.
//
// StartCluster runs it as a Redis Cluster of one node, which refuses a
// script whose keys lie in different slots, as a real cluster does.
//
// It stands in for an in-process fake such as miniredis: the stores' tests
// need a real server's behaviour, its TTLs, its scripts, and a stall
// (Pause sends it SIGSTOP).
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a redis-server that a test started.
type Server struct {
	t       testing.TB
	port    int
	cmd     *exec.Cmd
	cluster bool // a cluster of this one node, which holds every slot
}

// Start starts a redis-server, or skips the test when there is none.
func Start(t testing.TB) *Server { t.Helper(); return start(t, false) }

// StartCluster starts a redis-server in cluster mode, a cluster of one node
// that serves all 16384 slots, for redis.NewClusterClient: it refuses a
// command or script whose keys lie in different slots (CROSSSLOT), as a
// real cluster does. It skips the test as Start does.
func StartCluster(t testing.TB) *Server { t.Helper(); return start(t, true) }

func start(t testing.TB, cluster bool) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server): skipping the Redis tests")
	}
	port := freePort(t, cluster)
	s := &Server{t: t, port: port, cluster: cluster}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// freePort returns a free loopback port. A cluster node also listens on
// the port 10000 above its own (its bus), so for one that port must be
// free too, and exist.
func freePort(t testing.TB, cluster bool) int {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if !cluster {
			ln.Close()
			return port
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		ln.Close()
		if err == nil {
			bus.Close()
			return port
		}
	}
	t.Fatal("no free port with a free bus port 10000 above it")
	return 0
}

// Addr returns host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns a redis:// URL for database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Stop kills the server, as an outage would. Stopping twice is harmless.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill() // it may have exited already; Wait tells
	_ = s.cmd.Wait()         // a killed process reports an error by design
	s.cmd = nil
}

// Restart starts the server again on the same port (empty: nothing was
// saved) and waits until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	dir := s.t.TempDir()
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"))
	}
	cmd := exec.Command("redis-server", args...)
	logPath := filepath.Join(s.t.TempDir(), "redis.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logFile.Close() // the child keeps its own copy of the descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.cmd = cmd
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if ping(s.Addr()) == nil {
			if s.cluster {
				s.holdEverySlot(ctx)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, _ := os.ReadFile(logPath)
	s.t.Fatalf("redis-server on port %d did not answer within 10s:\n%s", s.port, out)
}

// ping sends PING in Redis's wire format and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second)) // a failed deadline shows up as a read error below
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected answer %q", line)
	}
	return nil
}

// holdEverySlot gives the node every slot, and waits until the cluster
// says it is ok.
func (s *Server) holdEverySlot(ctx context.Context) {
	s.t.Helper()
	slots := []string{"CLUSTER", "ADDSLOTS"} // ADDSLOTSRANGE would need Redis 7
	for slot := range 16384 {
		slots = append(slots, strconv.Itoa(slot))
	}
	if got, err := command(s.Addr(), slots...); err != nil || got != "OK" {
		s.t.Fatalf("CLUSTER ADDSLOTS: %q, %v", got, err)
	}
	for ctx.Err() == nil {
		if info, _ := command(s.Addr(), "CLUSTER", "INFO"); strings.Contains(info, "cluster_state:ok") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatal("the one-node cluster did not become ok within 10s")
}

// command sends one command, in Redis's wire format, and returns its
// answer: a status, or a bulk string.
func command(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second)) // a failed deadline shows up as a read error below
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	head = strings.TrimSuffix(head, "\r\n")
	switch {
	case strings.HasPrefix(head, "+"):
		return head[1:], nil
	case strings.HasPrefix(head, "$"):
		n, err := strconv.Atoi(head[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("unexpected answer %q", head)
		}
		body := make([]byte, n+2)
		_, err = io.ReadFull(r, body)
		return string(body[:n]), err
	}
	return "", fmt.Errorf("unexpected answer %q", head)
}
