//go:build linux

package secretstore

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkReal measures one Get and one Set of a token-sized item in the
// private gnome-keyring, through this package's Secret Service client and,
// side by side, through go-keyring (what Latchkey used before), both behind
// the same Keyring (worker, deadline, chunk checks).
//
//	go test -run '^$' -bench Real ./accounts/secretstore/
func BenchmarkReal(b *testing.B) {
	value := []byte(strings.Repeat("t", 2000)) // about a Microsoft access token
	for _, bk := range []struct {
		name  string
		store func() backend
	}{
		{"client=latchkey", func() backend { return &secretService{} }},
		{"client=go-keyring", func() backend { return goKeyring{} }},
	} {
		k := newKeyring(testService, 10*time.Second, bk.store())
		k.ready = checkSessionBus
		ctx := context.Background()
		if err := k.Set(ctx, "bench", value); err != nil {
			b.Fatal(err)
		}
		b.Run("op=get/"+bk.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := k.Get(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("op=set/"+bk.name, func(b *testing.B) {
			for b.Loop() {
				if err := k.Set(ctx, "bench", value); err != nil {
					b.Fatal(err)
				}
			}
		})
		if err := k.Delete(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
