package accounts

import (
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// TestMailFolders walks the folder table: every family names each special
// folder, no two alike, and a folder left out of syncs is one of them.
func TestMailFolders(t *testing.T) {
	for _, f := range []catalog.Family{catalog.FamilyMicrosoft, catalog.FamilyGoogle, catalog.FamilyOIDC} {
		m := FoldersOf(f)
		seen := map[string]bool{"INBOX": true}
		for _, name := range []string{m.Sent, m.Drafts, m.Trash, m.Junk, m.Archive} {
			if name == "" || seen[name] {
				t.Errorf("%s: folder %q empty or repeated in %+v", f, name, m)
			}
			seen[name] = true
		}
		if m.SkipSync != "" && !seen[m.SkipSync] {
			t.Errorf("%s: SkipSync %q is not one of its folders", f, m.SkipSync)
		}
	}
	if g := FoldersOf(catalog.FamilyGoogle); !g.ServerFilesSent || g.Sent != "[Gmail]/Sent Mail" {
		t.Errorf("Gmail: %+v", g)
	}
	if ms := FoldersOf(catalog.FamilyMicrosoft); ms.ServerFilesSent || ms.Sent != "Sent Items" {
		t.Errorf("Microsoft: %+v", ms)
	}
}
