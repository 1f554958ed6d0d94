//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

package secretstore

import "context"

// platformBackend is the OS keychain through go-keyring.
func platformBackend() backend { return goKeyring{} }

// checkSessionBus has nothing to check where the keychain is not on D-Bus.
func checkSessionBus() error { return nil }

// defaultCollectionLocked cannot be asked outside the Secret Service.
var defaultCollectionLocked func(ctx context.Context) (bool, error)

func classifyPlatform(error) error { return nil }

func platformError(err error) error { return err }
