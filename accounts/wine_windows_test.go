//go:build wine

package accounts

// Under Wine 8.0, t.TempDir's cleanup needs Go's compatible delete.
import _ "github.com/latchkey/latchkey/accounts/winetest/deletefallback"
