package osproc

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLoopbackPeer: the program at the other end of an accepted loopback
// connection is found by its socket, and it is a real other process.
func TestLoopbackPeer(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// python3 connects and waits: a program other than this test.
	cmd := exec.Command("python3", "-c", "import socket,sys,time; s=socket.create_connection(('127.0.0.1', int(sys.argv[1]))); time.sleep(30)",
		strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:"))
	if err := cmd.Start(); err != nil {
		t.Skipf("python3: %v", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, ok := LoopbackPeer(c.LocalAddr(), c.RemoteAddr())
	if !ok || r.PID != cmd.Process.Pid || !strings.HasPrefix(r.Program, "python3") || r.ParentPID != os.Getpid() {
		t.Errorf("LoopbackPeer = %+v, %v; want python3, pid %d, parent %d", r, ok, cmd.Process.Pid, os.Getpid())
	}
	// An address nobody holds names no one.
	if r, ok := LoopbackPeer(c.LocalAddr(), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}); ok {
		t.Errorf("a made-up peer: %+v", r)
	}
}
