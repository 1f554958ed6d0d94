package secretstore

import (
	"errors"

	"github.com/zalando/go-keyring"
)

// backend is the keychain as this package uses it: one flat namespace of
// (service, user) → string items. goKeyring is the real one; tests use fakes.
// Implementations return ErrNotFound for a missing item.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// goKeyring is the OS keychain through github.com/zalando/go-keyring.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) {
	v, err := keyring.Get(service, user)
	return v, notFound(err)
}

func (goKeyring) Set(service, user, secret string) error {
	return notFound(keyring.Set(service, user, secret))
}

func (goKeyring) Delete(service, user string) error {
	return notFound(keyring.Delete(service, user))
}

func notFound(err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// classify recognises backend errors that have a plain explanation on every
// platform; nil if it has none.
func classify(err error) error {
	switch {
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return unavailable("this platform has no keychain Latchkey can use")
	case errors.Is(err, keyring.ErrSetDataTooBig):
		// Chunking keeps every item under the platform's limit; reaching
		// this means the limit is smaller than documented.
		return errors.New("the keychain refused an item as too big")
	}
	return classifyPlatform(err)
}
