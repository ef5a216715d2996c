// Package redistest starts a throwaway redis-server for tests.
//
// Start runs `redis-server` on a free loopback port, with nothing saved to
// disk, and stops it when the test ends. When the binary is not installed it
// skips the test with a one-line reason, so `go test ./...` passes on a
// machine without Redis; CI installs redis-server, so there the tests run.
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{t: t, port: port, cluster: cluster}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
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
	if got, err := command(s.Addr(), "CLUSTER ADDSLOTSRANGE 0 16383"); err != nil || got != "OK" {
		s.t.Fatalf("CLUSTER ADDSLOTSRANGE: %q, %v", got, err)
	}
	for ctx.Err() == nil {
		if info, _ := command(s.Addr(), "CLUSTER INFO"); strings.Contains(info, "cluster_state:ok") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatal("the one-node cluster did not become ok within 10s")
}

// command sends one inline command and returns its answer: a status, or
// a bulk string.
func command(addr, line string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second)) // a failed deadline shows up as a read error below
	if _, err := conn.Write([]byte(line + "\r\n")); err != nil {
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
