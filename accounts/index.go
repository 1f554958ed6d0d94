package accounts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// IndexFileName is the account index in the config dir. It holds no
// secret: only what is needed to find an account's keychain items and to
// refresh them (client id, token endpoint) and to show the account.
const IndexFileName = "accounts.json"

const indexVersion = 1

// record is one account as stored in the index.
type record struct {
	Account
	Family catalog.Family `json:"family"`
	// ClientID, TokenURL and RevokeURL are those of the sign-in: a refresh
	// token is bound to the client it was issued to, whatever config.toml
	// says later.
	ClientID  string `json:"client_id"`
	TokenURL  string `json:"token_url"`
	RevokeURL string `json:"revoke_url,omitempty"`
	Issuer    string `json:"issuer"`
	Subject   string `json:"subject"`
	TenantID  string `json:"tenant_id,omitempty"`
	ObjectID  string `json:"object_id,omitempty"`
	// Resource is the default resource of access tokens (Microsoft).
	Resource string `json:"resource,omitempty"`
	Graph    string `json:"graph,omitempty"`
	// Tokens describes the cached access tokens by resource key; the
	// tokens themselves are in the keychain.
	Tokens map[string]tokenInfo `json:"tokens,omitempty"`
	// Programs are the lasting approval decisions (see approval.go).
	Programs []ProgramDecision `json:"program_decisions,omitempty"`
}

// tokenInfo is the non-secret description of a cached access token.
type tokenInfo struct {
	Expiry time.Time `json:"expires_at"`
	Scopes []string  `json:"scopes"`
}

type indexFile struct {
	Version  int       `json:"version"`
	Accounts []*record `json:"accounts"`
}

// index is the account index file.
type index struct {
	path string
	file indexFile
}

func loadIndex(dir string) (*index, error) {
	ix := &index{path: filepath.Join(dir, IndexFileName), file: indexFile{Version: indexVersion}}
	// The index says where refresh tokens are sent: one another user
	// could have written is refused (trust.go).
	data, err := readTrusted(dir, IndexFileName)
	if errors.Is(err, os.ErrNotExist) {
		return ix, nil
	}
	if errors.Is(err, ErrStorage) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrStorage, ix.path, err)
	}
	if err := json.Unmarshal(data, &ix.file); err != nil {
		return nil, fmt.Errorf("%w: %s is damaged (%v); move it away and reconnect your accounts", ErrStorage, ix.path, err)
	}
	if ix.file.Version != indexVersion {
		return nil, fmt.Errorf("%w: %s has version %d, this Latchkey reads version %d: update Latchkey", ErrStorage, ix.path, ix.file.Version, indexVersion)
	}
	ix.file.Accounts = slices.DeleteFunc(ix.file.Accounts, func(r *record) bool { return r == nil || r.ID == "" })
	return ix, nil
}

// save writes the index atomically: a new file beside it, synced, then
// renamed over the old one, so a crash or a full disk leaves the old index.
func (ix *index) save() error { return ix.write(true) }

// saveNote writes the index atomically like save, without waiting for the
// disk: for bookkeeping (when a token was last refreshed, when it expires)
// that a crash may lose, as the keychain holds the truth. A crash leaves
// the old index or the new one, never a torn one.
func (ix *index) saveNote() error { return ix.write(false) }

func (ix *index) write(durable bool) error {
	data, err := json.MarshalIndent(ix.file, "", "  ")
	if err != nil {
		return storageErr("encode index", err)
	}
	dir := filepath.Dir(ix.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: create %s: %v", ErrStorage, dir, err)
	}
	// In a dir others can write, they could swap the new index before
	// the next read: write only where it will be trusted, through the
	// resolved path that was checked.
	dir, err = trustedDir(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, IndexFileName)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s is a symbolic link; Latchkey will not write through it", ErrStorage, ix.path)
	}
	tmp, err := os.CreateTemp(dir, ".accounts-*.json")
	if err != nil {
		return fmt.Errorf("%w: write index in %s (the previous index is unchanged): %v", ErrStorage, dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(append(data, '\n')); err == nil && durable {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("%w: write %s (the previous index is unchanged): %v", ErrStorage, ix.path, err)
	}
	if !durable {
		return nil
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (ix *index) byID(id string) *record {
	for _, r := range ix.file.Accounts {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// put adds r, or replaces the record with the same id.
func (ix *index) put(r *record) {
	for i, old := range ix.file.Accounts {
		if old.ID == r.ID {
			ix.file.Accounts[i] = r
			return
		}
	}
	ix.file.Accounts = append(ix.file.Accounts, r)
}

func (ix *index) remove(id string) {
	ix.file.Accounts = slices.DeleteFunc(ix.file.Accounts, func(r *record) bool { return r.ID == id })
}

// find resolves what a person typed: "provider:email" or an email
// address connected through one provider only.
func (ix *index) find(name string) (*record, error) {
	if err := checkAccountName(name); err != nil {
		return nil, err
	}
	if r := ix.byID(name); r != nil {
		return r, nil
	}
	var found []*record
	for _, r := range ix.file.Accounts {
		if strings.EqualFold(r.Email, name) || strings.EqualFold(r.ID, name) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: no connected account is called %q", ErrUnknownAccount, name)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, r := range found {
		ids[i] = r.ID
	}
	return nil, &AmbiguousError{Name: name, Candidates: ids}
}

// checkAccountName refuses names no account can have, before they reach
// a file path, a keychain key or a message.
func checkAccountName(name string) error {
	// 180 bytes leaves room in a keychain key (256 bytes at most) for the
	// provider and the longest resource suffix.
	if name == "" || len(name) > 180 {
		return fmt.Errorf("%w: an account is named by its email address or provider:email (at most 180 characters)", ErrUsage)
	}
	for _, r := range name {
		// '#' is reserved in keychain keys for the parts of split items.
		// Format characters (bidi overrides such as U+202E, zero-width
		// characters) would make one id look like another.
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar || r == '#' {
			return fmt.Errorf("%w: an account name cannot contain spaces, control characters, invisible formatting characters (such as right-to-left overrides or zero-width spaces) or '#'", ErrUsage)
		}
	}
	return nil
}

// accountID is the index key and keychain prefix of an account.
func accountID(provider, email string) string { return provider + ":" + strings.ToLower(email) }

// findRecord reads the index in dir and returns the account a person named
// (email or provider:email), or an ErrUnknownAccount error.
func findRecord(dir, name string) (*record, error) {
	ix, err := loadIndex(dir)
	if err != nil {
		return nil, err
	}
	return ix.find(name)
}
