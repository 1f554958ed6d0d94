package secretstore

import (
	"context"
	"errors"

	"github.com/zalando/go-keyring"
)

// backend is the keychain as this package uses it: one flat namespace of
// (service, user) → string items. secretService (Linux and the BSDs) and
// goKeyring (elsewhere) are the real ones; tests use fakes. Implementations
// return ErrNotFound for a missing item, and may stop waiting when ctx ends.
type backend interface {
	Get(ctx context.Context, service, user string) (string, error)
	Set(ctx context.Context, service, user, secret string) error
	Delete(ctx context.Context, service, user string) error
}

// settler is a backend whose calls can outlive their caller: settle waits
// until every call it has sent has been answered, or until ctx ends.
type settler interface {
	settle(ctx context.Context) error
}

// jobScoped is a backend that may share lookups between the calls of one
// Keyring operation (and of several, see ShareLookups); the worker brackets
// each operation with beginJob and endJob.
type jobScoped interface {
	beginJob(l *lookups)
	endJob()
}

// prefetcher is a backend that can look up several items at once, for the
// rest of the current operation.
type prefetcher interface {
	prefetch(ctx context.Context, service string, users ...string) error
}

// multiGetter is a backend that can read several items at once; a user
// without an item is missing from the result.
type multiGetter interface {
	getMany(ctx context.Context, service string, users ...string) (map[string]string, error)
}

// goKeyring is the OS keychain through github.com/zalando/go-keyring. Its
// calls cannot be cancelled; the serial worker bounds how long callers wait.
type goKeyring struct{}

func (goKeyring) Get(_ context.Context, service, user string) (string, error) {
	v, err := keyring.Get(service, user)
	return v, notFound(err)
}

func (goKeyring) Set(_ context.Context, service, user, secret string) error {
	return notFound(keyring.Set(service, user, secret))
}

func (goKeyring) Delete(_ context.Context, service, user string) error {
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
