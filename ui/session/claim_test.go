package session

import (
	"errors"
	"testing"
	"time"
)

// secondLaunchActivates claims name as a second launch would, with an
// instance already running whose activations arrive on activated: the
// launch must be told to exit and the running instance activated.
func secondLaunchActivates(t *testing.T, name string, activated <-chan struct{}) {
	t.Helper()
	second, err := Claim(name, func() { t.Error("the second launch was activated") })
	if !errors.Is(err, ErrAlreadyRunning) || second != nil {
		t.Fatalf("second Claim = %v, %v; want ErrAlreadyRunning", second, err)
	}
	select {
	case <-activated:
	case <-time.After(5 * time.Second):
		t.Fatal("the running instance was not activated")
	}
}
