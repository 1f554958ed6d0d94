package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/accounts"
)

// The worlds on the shared keyring (most of them) see each other's
// keychain items, and an account is pinned to the person in its item. Two
// tests running at once that connect the same account id, each with an
// emulator of its own, would therefore meet the other's pin, rightly, and
// fail now and then depending on timing. sharedAccounts makes that clash
// a plain failure that names both tests, whenever their lifetimes overlap.
var sharedAccounts = struct {
	sync.Mutex
	holder map[string]*world // account id → the world that connected it
}{holder: map[string]*world{}}

// mismatchOn finds the account of a pin mismatch in latchkey's stderr.
var mismatchOn = regexp.MustCompile(`latchkey: (\S+) is connected as .*another account at the provider`)

// claimSharedAccounts records the accounts in w's index as w's, and fails
// the test when another test running now holds one of them, or when a
// command just met another test's pin.
func (w *world) claimSharedAccounts(stderr string) {
	w.t.Helper()
	if w.ks != keyring {
		return // a keyring of its own
	}
	ids := w.indexIDs()
	if m := mismatchOn.FindStringSubmatch(stderr); m != nil {
		ids = append(ids, m[1])
	}
	sharedAccounts.Lock()
	defer sharedAccounts.Unlock()
	for _, id := range ids {
		// Worlds of one test take turns by the test's own design.
		switch other, held := sharedAccounts.holder[id]; {
		case !held:
			sharedAccounts.holder[id] = w
		case other.t.Name() != w.t.Name():
			w.t.Errorf("%s and %s run at the same time and both connect %s on the shared keyring, where the account is pinned to whoever signed in first: give one of them an email of its own", w.t.Name(), other.t.Name(), id)
		}
	}
}

// releaseSharedAccounts gives up w's accounts when its test ends.
func (w *world) releaseSharedAccounts() {
	sharedAccounts.Lock()
	defer sharedAccounts.Unlock()
	for id, holder := range sharedAccounts.holder {
		if holder == w {
			delete(sharedAccounts.holder, id)
		}
	}
}

// indexIDs are the account ids in w's index, none if it has none.
func (w *world) indexIDs() []string {
	data, err := os.ReadFile(filepath.Join(w.dir, accounts.IndexFileName))
	if err != nil {
		return nil
	}
	var ix struct{ Accounts []struct{ ID string } }
	if json.Unmarshal(data, &ix) != nil {
		return nil
	}
	ids := make([]string, 0, len(ix.Accounts))
	for _, a := range ix.Accounts {
		ids = append(ids, a.ID)
	}
	return ids
}

var notAddressChars = regexp.MustCompile(`[^a-z0-9]+`)

// ownEmail is an address at domain made from the test's name, so that
// tests running at once never connect the same account id on the shared
// keyring: "TestSignInPaste/microsoft" is
// testsigninpaste-microsoft@domain.
func ownEmail(t *testing.T, domain string) string {
	local := strings.Trim(notAddressChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(local) > 64 { // the most an address's local part may hold
		sum := sha256.Sum256([]byte(local))
		local = local[:55] + "-" + hex.EncodeToString(sum[:4])
	}
	return local + "@" + domain
}
