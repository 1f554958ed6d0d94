package accounts

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
)

func testRecord(provider, email string) *record {
	return &record{
		Account: Account{ID: accountID(provider, email), Provider: provider, Email: email, Status: StatusConnected,
			Scopes: []string{"openid"}, ConnectedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
		Family: catalog.FamilyMicrosoft, ClientID: "cid", TokenURL: "https://login.test/token", Issuer: "https://login.test", Subject: "sub",
		Resource: "https://graph.microsoft.com", Graph: "https://graph.microsoft.com",
		Tokens: map[string]tokenInfo{"https://graph.microsoft.com": {Expiry: time.Date(2025, 1, 2, 4, 4, 5, 0, time.UTC), Scopes: []string{"User.Read"}}},
	}
}

func TestIndexSaveLoad(t *testing.T) {
	dir := t.TempDir()
	ix, err := loadIndex(dir)
	if err != nil || len(ix.file.Accounts) != 0 {
		t.Fatalf("loadIndex(empty dir) = %+v, %v", ix, err)
	}
	ix.put(testRecord("microsoft", "a@x.test"))
	ix.put(testRecord("google", "a@x.test"))
	r := testRecord("microsoft", "a@x.test")
	r.Name = "replaced"
	ix.put(r)
	if err := ix.save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(ix.path)
	if err != nil || !hasMode(fi, 0o600) {
		t.Errorf("index file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	back, err := loadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.file.Accounts) != 2 || back.byID("microsoft:a@x.test").Name != "replaced" {
		t.Errorf("loaded %+v", back.file.Accounts)
	}
	back.remove("google:a@x.test")
	if back.byID("google:a@x.test") != nil || len(back.file.Accounts) != 1 {
		t.Error("remove left the record")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("config dir holds %d entries, want only the index (no temp files)", len(ents))
	}
}

func TestIndexRefusesSymlink(t *testing.T) {
	skipOnWindows(t)
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.WriteFile(target, []byte(`{"version":1,"accounts":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, IndexFileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := loadIndex(dir); !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("loadIndex through a symlink = %v, want ErrStorage", err)
	}
	ix := &index{path: filepath.Join(dir, IndexFileName), file: indexFile{Version: indexVersion}}
	ix.put(testRecord("microsoft", "a@x.test"))
	if err := ix.save(); !errors.Is(err, ErrStorage) {
		t.Errorf("save through a symlink = %v, want ErrStorage", err)
	}
	if data, _ := os.ReadFile(target); string(data) != `{"version":1,"accounts":[]}` {
		t.Errorf("symlink target was changed: %s", data)
	}
}

func TestIndexDamaged(t *testing.T) {
	tests := []struct{ name, data, msg string }{
		{"not json", "{oops", "damaged"},
		{"wrong shape", `{"version":1,"accounts":{"id":"x"}}`, "damaged"},
		{"newer version", `{"version":2,"accounts":[]}`, "version 2"},
		{"version zero", `{"version":0}`, "version 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, IndexFileName)
			os.WriteFile(p, []byte(tt.data), 0o600)
			_, err := loadIndex(dir)
			if !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("loadIndex = %v, want ErrStorage naming %s and %q", err, p, tt.msg)
			}
		})
	}
}

func TestIndexDropsEmptyRecords(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, IndexFileName), []byte(`{"version":1,"accounts":[null,{"id":""},{"id":"google:a@x.test","email":"a@x.test"}]}`), 0o600)
	ix, err := loadIndex(dir)
	if err != nil || len(ix.file.Accounts) != 1 {
		t.Fatalf("loadIndex = %+v, %v", ix, err)
	}
}

// TestIndexSaveFailureKeepsOld makes the save fail part-way (the temporary
// file cannot be written in full) and checks the old index is untouched.
func TestIndexSaveFailureKeepsOld(t *testing.T) {
	if runAloneInChild(t) {
		return
	}
	dir := t.TempDir()
	ix, _ := loadIndex(dir)
	ix.put(testRecord("microsoft", "old@x.test"))
	if err := ix.save(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(ix.path)

	for i := range 200 {
		ix.put(testRecord("microsoft", strings.Repeat("x", 50)+string(rune('a'+i%26))+strings.Repeat("y", i)+"@x.test"))
	}
	err := failingWrites(t, int64(len(old)+100), ix.save)
	if !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), "unchanged") {
		t.Fatalf("save with failing writes = %v, want ErrStorage", err)
	}
	if now, _ := os.ReadFile(ix.path); string(now) != string(old) {
		t.Error("a failed save changed the index")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("a failed save left %d entries in the dir", len(ents))
	}
}

func TestFind(t *testing.T) {
	ix := &index{path: "accounts.json", file: indexFile{Version: indexVersion}}
	ix.put(testRecord("microsoft", "ann@x.test"))
	ix.put(testRecord("google", "ann@x.test"))
	ix.put(testRecord("google", "Bob@Y.test"))
	tests := []struct {
		name    string
		want    string
		wantErr error
		cands   []string
	}{
		{name: "microsoft:ann@x.test", want: "microsoft:ann@x.test"},
		{name: "GOOGLE:ANN@X.TEST", want: "google:ann@x.test"},
		{name: "bob@y.test", want: "google:bob@y.test"},
		{name: "BOB@y.TEST", want: "google:bob@y.test"},
		{name: "ann@x.test", wantErr: ErrUnknownAccount, cands: []string{"microsoft:ann@x.test", "google:ann@x.test"}},
		{name: "ANN@X.test", wantErr: ErrUnknownAccount, cands: []string{"microsoft:ann@x.test", "google:ann@x.test"}},
		{name: "carol@x.test", wantErr: ErrUnknownAccount},
		{name: "", wantErr: ErrUsage},
		{name: "ann @x.test", wantErr: ErrUsage},
		{name: "ann@x.test\n", wantErr: ErrUsage},
		{name: "ann\x00@x.test", wantErr: ErrUsage},
		{name: "ann\u200b@x.test", wantErr: ErrUsage}, // format characters are refused (property 41)
		{name: "ann\u202e@x.test", wantErr: ErrUsage},
		{name: "ann\u00a0@x.test", wantErr: ErrUsage},
		{name: "ann\xff@x.test", wantErr: ErrUsage},
		{name: strings.Repeat("a", 321), wantErr: ErrUsage},
	}
	for _, tt := range tests {
		r, err := ix.find(tt.name)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("find(%q) = %v, %v; want %v", tt.name, r, err, tt.wantErr)
			}
			var ae *AmbiguousError
			if tt.cands != nil && (!errors.As(err, &ae) || !slices.Equal(ae.Candidates, tt.cands) || !strings.Contains(err.Error(), tt.cands[1])) {
				t.Errorf("find(%q) = %v, want *AmbiguousError listing %q", tt.name, err, tt.cands)
			}
			if errors.Is(err, ErrUsage) && strings.ContainsAny(err.Error(), "\n\x00") {
				t.Errorf("find(%q): error repeats the control characters", tt.name)
			}
			continue
		}
		if err != nil || r.ID != tt.want {
			t.Errorf("find(%q) = %v, %v; want %s", tt.name, r, err, tt.want)
		}
	}
}
