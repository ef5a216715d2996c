package main

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// TestListensOnLocalhost: the site shows the repository's files, so it
// listens on this machine alone unless DOCS_HOST (or -host) opens it up,
// and says so in a warning when it does.
func TestListensOnLocalhost(t *testing.T) {
	t.Setenv("DOCS_HOST", "")
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	ln, url, err := listen(defaultHost(), "0", logger)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() || !strings.HasPrefix(url, "http://localhost:") {
		t.Errorf("listening on %v (%s), want the loopback address", ip, url)
	}
	if log.Len() != 0 {
		t.Errorf("a warning on localhost: %s", log.String())
	}
	t.Setenv("DOCS_HOST", "0.0.0.0")
	ln, url, err = listen(defaultHost(), "0", logger)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !ln.Addr().(*net.TCPAddr).IP.IsUnspecified() || !strings.Contains(log.String(), "every interface") ||
		!strings.HasPrefix(url, "http://localhost:") {
		t.Errorf("DOCS_HOST=0.0.0.0: listening on %v (%s), logged %q", ln.Addr(), url, log.String())
	}
}
