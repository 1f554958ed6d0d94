package accounts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockHolderNamesProcess(t *testing.T) {
	rt := privateRuntimeDir(t)
	l, err := lockFile(context.Background(), "account-holder.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer l.unlock()
	got := lockHolder(filepath.Join(rt, "latchkey", "account-holder.lock"))
	if !strings.HasPrefix(got, fmt.Sprintf("process %d (", os.Getpid())) {
		t.Errorf("lockHolder = %q, want this process", got)
	}
	if got := lockHolder(filepath.Join(rt, "latchkey", "nothing.lock")); got != "another Latchkey process" {
		t.Errorf("lockHolder of a missing file = %q", got)
	}
}
