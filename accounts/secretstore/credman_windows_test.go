package secretstore

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/danieljoos/wincred"
	"github.com/zalando/go-keyring"
)

// Tests in this file use the real Credential Manager: under make wine,
// Wine's, in a prefix of the test run's own. Their service name keeps
// them apart from a real Latchkey's credentials.

const credmanService = "latchkey-test"

// credentials lists the targets and blob sizes of credmanService's
// credentials, read with CredEnumerateW, independently of go-keyring.
func credentials(t *testing.T) map[string]int {
	t.Helper()
	creds, err := wincred.List()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range creds {
		if user, ok := strings.CutPrefix(c.TargetName, credmanService+":"); ok {
			out[user] = len(c.CredentialBlob)
		}
	}
	return out
}

func credmanKeyring(t *testing.T, key string) *Keyring {
	t.Helper()
	k := New(credmanService, 20*time.Second)
	t.Cleanup(func() {
		if err := k.Delete(context.Background(), key); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return k
}

// TestCredentialManagerChunksAtTheLimit: Credential Manager takes at most
// 2560 bytes a credential (go-keyring refuses more before calling it, as
// Windows would); a value of exactly that size stays one credential, one
// byte more is split into chunks none of which is over it, and an 8 KiB
// value shrinks and is deleted without leaving a credential behind.
func TestCredentialManagerChunksAtTheLimit(t *testing.T) {
	ctx := context.Background()
	if defaultChunkSize != 2560 {
		t.Fatalf("chunk size on Windows = %d, want 2560", defaultChunkSize)
	}
	if err := keyring.Set(credmanService, "too-big", strings.Repeat("x", 2561)); !errors.Is(err, keyring.ErrSetDataTooBig) {
		t.Fatalf("go-keyring Set of 2561 bytes = %v, want ErrSetDataTooBig", err)
	}
	k := credmanKeyring(t, "big")
	for _, c := range []struct {
		size int
		want map[string]int
	}{
		{2560, map[string]int{"big": 2560}},
		{2561, map[string]int{"big": len(marker(1, 2)), "big#1.0": 2560, "big#1.1": 1}},
		// Once chunked, a key stays chunked, one generation a write.
		{8192, map[string]int{"big": len(marker(2, 4)), "big#2.0": 2560, "big#2.1": 2560, "big#2.2": 2560, "big#2.3": 512}},
		{100, map[string]int{"big": len(marker(3, 1)), "big#3.0": 100}},
	} {
		secret := randomBytes(t, c.size)
		if err := k.Set(ctx, "big", secret); err != nil {
			t.Fatalf("Set %d bytes: %v", c.size, err)
		}
		if got, err := k.Get(ctx, "big"); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Get after Set of %d bytes: %d bytes, %v", c.size, len(got), err)
		}
		// A fresh Keyring (as another process) reads the same.
		if got, err := New(credmanService, 20*time.Second).Get(ctx, "big"); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("fresh Get of %d bytes: %d bytes, %v", c.size, len(got), err)
		}
		if got := credentials(t); !maps.Equal(got, c.want) {
			t.Fatalf("%d bytes: credentials %v, want %v", c.size, got, c.want)
		}
	}
	if err := k.Delete(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	if got := credentials(t); len(got) != 0 {
		t.Fatalf("credentials left after Delete: %v", got)
	}
	if _, err := k.Get(ctx, "big"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
}
