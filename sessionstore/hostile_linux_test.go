package sessionstore_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// childEnv, set, makes the test binary the child of TestHostileRecordInAChild.
const childEnv = "SESSIONSTORE_HOSTILE_CHILD"

// TestHostileRecordInAChild loads the fuzz corpus's hostile gob record
// through the engine, from a storage that holds it under a live session's
// ID. It runs in a child process allowed 1 GiB more address space than it
// started with: decoded, the record asks gob for a map of four billion
// entries, and the child dies. The engine must answer with a fresh session.
func TestHostileRecordInAChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHostileRecordInAChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the child failed (%v):\n%s", err, firstLines(out, 12))
		}
		return
	}
	limitAddressSpace(t, 1<<30)
	corpus, err := os.ReadFile("testdata/fuzz/FuzzDecode/gob-map-of-four-billion")
	if err != nil {
		t.Fatal(err)
	}
	_, quoted, _ := strings.Cut(strings.TrimSpace(string(corpus)), "[]byte(")
	data, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
	if err != nil {
		t.Fatal(err)
	}
	const id = "HOSTILERECORDUNDERALIVEID0"
	storage := memstore.New()
	err = storage.Create(context.Background(), id, []byte(data), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s := newStoreOver(t, storage, sessionstore.Config{})
	sess, err := s.Get(storetest.Request(signed(t, secretA, id)), cookieName)
	if err != nil || !sess.IsNew || len(sess.Values) != 0 {
		t.Errorf("got IsNew=%v values %v (%v), want a fresh session", sess.IsNew, sess.Values, err)
	}
}

// limitAddressSpace lets this process map at most extra bytes more than it
// has now, so that a runaway allocation kills it rather than the machine.
func limitAddressSpace(t *testing.T, extra uint64) {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var kB uint64
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kB, _ = strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	var lim syscall.Rlimit
	if kB == 0 || syscall.Getrlimit(syscall.RLIMIT_AS, &lim) != nil {
		t.Fatal("cannot read this process's size or its limit")
	}
	lim.Cur = min(lim.Max, kB<<10+extra)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Fatal(err)
	}
}

func firstLines(out []byte, n int) string {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	for i := 0; i < n && sc.Scan(); i++ {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}
