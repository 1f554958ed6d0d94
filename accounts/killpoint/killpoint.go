//go:build !latchkey_killpoints || !unix

package killpoint

// At marks the crash point name; in this build it does nothing.
func At(name string) {}
