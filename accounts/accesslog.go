package accounts

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// AccessLogFileName is the access log in the state dir: one JSON object
// per line, oldest first. When it outgrows accessLogMax it becomes
// AccessLogFileName+".1" (replacing the previous one), so the log keeps
// between one and two files' worth of entries.
const AccessLogFileName = "access.log"

// accessLogMax is the size at which the access log rotates (about 3000
// entries per file).
var accessLogMax int64 = 1 << 20

// StateDir returns where Latchkey keeps what it records (the access log):
// $LATCHKEY_STATE_DIR; else $LATCHKEY_CONFIG_DIR when that is set, so a
// relocated Latchkey keeps everything together; else
// $XDG_STATE_HOME/latchkey (default ~/.local/state/latchkey) on Linux and
// the BSDs, and the config dir elsewhere.
func StateDir() (string, error) {
	if d := os.Getenv("LATCHKEY_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("LATCHKEY_CONFIG_DIR"); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "android", "plan9":
		return ConfigDir()
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "latchkey"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("%w: no state dir: %v (set LATCHKEY_STATE_DIR)", ErrConfig, err)
	}
	return filepath.Join(home, ".local", "state", "latchkey"), nil
}

// Use is one token handed out, as the access log records it. It never
// holds the token.
type Use struct {
	Time    time.Time `json:"time"`
	Account string    `json:"account"`
	// Scopes are those of the token handed out.
	Scopes   []string `json:"scopes"`
	Resource string   `json:"resource,omitempty"`
	// Format is how the token was handed over: raw, json, header, xoauth2,
	// oauthbearer for the command, clipboard for the desktop app's Copy
	// access token, "go" for a Go program calling Token.
	Format string `json:"format"`
	Requester
}

// recordAccess appends one entry to the access log: a single write to a
// file opened with O_APPEND, so concurrent writers never interleave within
// an entry (on Windows, under a lock as well: see appendEntry).
func (s *Service) recordAccess(ctx context.Context, a Use) error {
	line, err := json.Marshal(a)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if s.stateDir == "" {
		return nil // no state dir (Open found none): only the log is lost
	}
	path := filepath.Join(s.stateDir, AccessLogFileName)
	f, err := openAccessLog(s.stateDir)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(s.stateDir, 0o700); err == nil {
			f, err = openAccessLog(s.stateDir)
		}
	}
	var untrusted *untrustedError
	if errors.As(err, &untrusted) {
		untrusted.doing = "write the access log"
	}
	if errors.Is(err, ErrStorage) {
		return err
	}
	if err != nil {
		return storageErr("open the access log", err)
	}
	err = appendEntry(f, line)
	fi, statErr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: write the access log %s: %v", ErrStorage, path, err)
	}
	if statErr == nil && fi.Size() > accessLogMax {
		return rotateAccessLog(ctx, path)
	}
	return nil
}

// openAccessLog opens the log in the state dir dir for appending. Like
// every file of Latchkey's, it must be the user's alone (trust.go): a
// symlink planted at its path is refused, not written through, and a
// FIFO is refused at once, not waited on.
func openAccessLog(dir string) (*os.File, error) {
	return openTrusted(dir, AccessLogFileName, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// rotateAccessLog renames a full log to .1 under a lock, so that of many
// writers seeing it full, only the first renames it. A writer that opened
// the old file before the rename finishes its entry there: it is kept.
func rotateAccessLog(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	lock, err := lockFile(ctx, "access-log.lock")
	if err != nil {
		return nil // another process is rotating; the next entry tries again
	}
	defer lock.unlock()
	fi, err := os.Lstat(path)
	if err != nil || fi.Size() <= accessLogMax {
		return nil
	}
	if err := os.Rename(path, path+".1"); err != nil {
		return storageErr("rotate the access log", err)
	}
	return nil
}

// AccessLog returns the recorded accesses, oldest first: all of them, or
// those of the account named (email or provider:email; a removed account
// can still be named by its id), at most limit (the newest; 0 = no limit).
func (s *Service) AccessLog(ctx context.Context, account string, limit int) ([]Use, error) {
	all, err := readAccessLog(s.stateDir)
	if err != nil {
		return nil, err
	}
	if account != "" {
		id := account
		if r, err := findRecord(s.dir, account); err == nil {
			id = r.ID
		}
		all = slices.DeleteFunc(all, func(a Use) bool { return a.Account != id && accountEmail(a.Account) != id })
		if len(all) == 0 {
			if _, err := s.Show(ctx, account); err != nil {
				return nil, err // neither connected nor in the log: a typo
			}
		}
	}
	if limit > 0 && len(all) > limit {
		all = all[len(all)-limit:]
	}
	return all, nil
}

// LastUse returns each account's most recent access, by account id: what
// the desktop app shows as "used by msmtp, 3 minutes ago".
func (s *Service) LastUse(ctx context.Context) (map[string]Use, error) {
	all, err := readAccessLog(s.stateDir)
	if err != nil {
		return nil, err
	}
	last := map[string]Use{}
	for _, a := range all {
		if p, ok := last[a.Account]; !ok || !a.Time.Before(p.Time) {
			last[a.Account] = a
		}
	}
	return last, nil
}

func accountEmail(id string) string {
	_, email, _ := strings.Cut(id, ":")
	return email
}

// readAccessLog reads both files of the log, oldest first. A line that is
// not an entry (a crash mid-write, an edit) is skipped.
func readAccessLog(dir string) ([]Use, error) {
	var out []Use
	for _, name := range []string{AccessLogFileName + ".1", AccessLogFileName} {
		f, err := openTrusted(dir, name, os.O_RDONLY, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var untrusted *untrustedError
		if errors.As(err, &untrusted) {
			untrusted.doing = "read the access log"
		}
		if errors.Is(err, ErrStorage) {
			return nil, err
		}
		if err != nil {
			return nil, storageErr("read the access log", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var a Use
			if json.Unmarshal(sc.Bytes(), &a) == nil && a.Account != "" && !a.Time.IsZero() {
				out = append(out, a)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, storageErr("read the access log", err)
		}
	}
	slices.SortStableFunc(out, func(a, b Use) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// AccessLogPath is the access log's file, for people to find it.
func (s *Service) AccessLogPath() string {
	return filepath.Join(s.stateDir, AccessLogFileName)
}
