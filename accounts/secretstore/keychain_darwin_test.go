package secretstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// TestKeychainChunks writes to the person's real login keychain (service
// latchkey-test), so it runs only when LATCHKEY_TEST_REAL_KEYCHAIN is set:
// a value of exactly one chunk (1536 bytes) stays one item, 8 KiB are split
// into six items each of which /usr/bin/security accepts, and nothing is
// left after Delete.
func TestKeychainChunks(t *testing.T) {
	if os.Getenv("LATCHKEY_TEST_REAL_KEYCHAIN") == "" {
		t.Skip("writes to your login keychain: set LATCHKEY_TEST_REAL_KEYCHAIN=1")
	}
	const service = "latchkey-test"
	ctx := context.Background()
	k := New(service, 30*time.Second)
	t.Cleanup(func() { k.Delete(ctx, "big") })
	for _, c := range []struct {
		size   int
		chunks []string // the items it occupies when chunked, head included
	}{
		{defaultChunkSize, nil},
		{8192, chunkNames("big", 1, 8192, defaultChunkSize)},
	} {
		secret := randomBytes(t, c.size)
		if err := k.Set(ctx, "big", secret); err != nil {
			t.Fatalf("Set %d bytes: %v", c.size, err)
		}
		if got, err := New(service, 30*time.Second).Get(ctx, "big"); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Get of %d bytes: %d bytes, %v", c.size, len(got), err)
		}
		for _, name := range c.chunks {
			if _, err := keyring.Get(service, name); err != nil {
				t.Errorf("%d bytes: chunk %s: %v", c.size, name, err)
			}
		}
	}
	if err := k.Delete(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	for _, name := range append([]string{"big"}, chunkNames("big", 1, 8192, defaultChunkSize)...) {
		if _, err := keyring.Get(service, name); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("after Delete, %s: %v", name, err)
		}
	}
}
