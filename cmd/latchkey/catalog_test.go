package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/catalog/catalogtest"
)

// TestHelpNamesACatalogRow: a provider added to the catalog as one row is
// named wherever the command lists providers: connect's providers, the
// family tables of reduce and revoke, scopes (its help and its listing).
// It runs the command in this process, since the row lives only here;
// sign-ins of such a row are tested in accounts (TestConnectCatalogRow)
// and ui (TestWizardOffersACatalogRow).
func TestHelpNamesACatalogRow(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	t.Setenv("LATCHKEY_CONFIG_DIR", dir)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("LATCHKEY_STATE_DIR", t.TempDir())
	row := catalogtest.Add(t, catalogtest.Row("testmail", catalog.Endpoints{}))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "connect"}, row.Name + " (" + row.Summary + ")"},
		{[]string{"help", "revoke"}, "  google, " + row.Name + "     Latchkey revokes"},
		{[]string{"help", "reduce"}, "  google, " + row.Name + "     Latchkey revokes"},
		{[]string{"help", "scopes"}, "microsoft, exchange, google and " + row.Name + ":"},
		{[]string{"scopes", row.Name}, catalogtest.Scope},
	} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errs); code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Errorf("latchkey %s: exit %d, output lacks %q:\n%s%s", strings.Join(tc.args, " "), code, tc.want, out.String(), errs.String())
		}
	}
}
