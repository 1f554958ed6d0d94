package session

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// childEnv makes the test binary act as a child: "echo" answers each line
// upper-cased and ends when its stdin closes, "stubborn" ignores its stdin
// closing.
const childEnv = "LATCHKEY_SESSION_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "echo":
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println(strings.ToUpper(sc.Text()))
		}
		os.Exit(0)
	case "stubborn":
		fmt.Println("ready")
		time.Sleep(time.Minute)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func startTestChild(t *testing.T, mode string, onLine func([]byte), onExit func(error)) *Child {
	t.Helper()
	t.Setenv(childEnv, mode)
	c, err := StartChild(os.Args[0], []string{"-test.run=^$"}, onLine, onExit)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChildTalksAndEndsWhenStdinCloses(t *testing.T) {
	lines := make(chan string, 4)
	exited := make(chan error, 1)
	c := startTestChild(t, "echo", func(b []byte) { lines <- string(b) }, func(err error) { exited <- err })
	for _, msg := range []string{`{"kind":"show"}`, "two"} {
		if err := c.Send([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-lines:
			if want := strings.ToUpper(msg); got != want {
				t.Errorf("child answered %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no answer from the child")
		}
	}
	c.Close()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("child ended with %v, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("child still running 10s after its stdin closed")
	}
	if err := c.Send([]byte("late")); err == nil {
		t.Error("Send after Close succeeded")
	}
}

func TestChildStopKillsAChildThatDoesNotEnd(t *testing.T) {
	ready := make(chan struct{}, 1)
	c := startTestChild(t, "stubborn", func([]byte) { ready <- struct{}{} }, nil)
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("child did not start")
	}
	start := time.Now()
	c.Stop(200 * time.Millisecond)
	select {
	case <-c.Done():
	default:
		t.Fatal("Stop returned before the child ended")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Stop took %v", took)
	}
}
