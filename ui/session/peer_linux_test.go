package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

const nobody = 65534

// TestHelperDialAsOtherUser is not a test: TestOtherUserCannotAskOrAnswer
// runs the test binary as uid 65534 with LATCHKEY_TEST_DIAL set, and this
// dials that socket, sends an approval request and prints the reply.
func TestHelperDialAsOtherUser(t *testing.T) {
	path := os.Getenv("LATCHKEY_TEST_DIAL")
	if path == "" {
		t.Skip("a helper run by TestOtherUserCannotAskOrAnswer")
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "approve {\"request\":{\"account\":\"microsoft:a@x.test\"},\"wait_ms\":3000}\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("reply %q %v\n", line, err)
}

// TestOtherUserCannotAskOrAnswer: even where the runtime dir and the
// socket were left open to others, another user's request is hung up on
// without the app being asked (SO_PEERCRED), and a socket another user
// owns is never asked.
func TestOtherUserCannotAskOrAnswer(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("playing another local user needs root (to run the asker as uid 65534)")
	}
	dir := privateRuntime(t)
	asked := make(chan accounts.ApprovalRequest, 1)
	in, err := ClaimApp(TrayInstance, Handlers{Approve: func(ctx context.Context, r accounts.ApprovalRequest) (accounts.Decision, error) {
		asked <- r
		return accounts.DecisionAlways, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sock := filepath.Join(dir, TrayInstance+".sock")
	// Open everything up to the socket, as a careless setup might.
	for p := sock; p != "/" && p != filepath.Dir(os.TempDir()); p = filepath.Dir(p) {
		mode := os.FileMode(0o711)
		if p == sock {
			mode = 0o777
		}
		if p == os.TempDir() {
			break
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	// The test binary, somewhere uid 65534 may run it.
	bin := filepath.Join(t.TempDir(), "session.test")
	os.Chmod(filepath.Dir(bin), 0o755)
	os.Chmod(filepath.Dir(filepath.Dir(bin)), 0o755)
	self, _ := os.Executable()
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	src.Close()
	dst.Close()

	cmd := exec.Command(bin, "-test.run=^TestHelperDialAsOtherUser$", "-test.v")
	cmd.Env = []string{"LATCHKEY_TEST_DIAL=" + sock, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the helper as uid 65534: %v\n%s", err, out)
	}
	// Hung up on: EOF, or a reset when the request was still unread.
	if !strings.Contains(string(out), `reply "" EOF`) && !strings.Contains(string(out), "connection reset by peer") {
		t.Errorf("uid 65534 got an answer, or never reached the socket:\n%s", out)
	}
	select {
	case r := <-asked:
		t.Errorf("the app was asked by uid 65534: %+v", r)
	default:
	}

	// A socket owned by another user is not asked (the dir private again).
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(sock, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	_, err = AskApp(context.Background(), TrayInstance, askReq, nil)
	if !errors.Is(err, accounts.ErrApprovalUnavailable) || !strings.Contains(err.Error(), "not a socket of yours") {
		t.Errorf("AskApp of another user's socket = %v", err)
	}
	select {
	case r := <-asked:
		t.Errorf("the app was asked through another user's socket: %+v", r)
	default:
	}
}
