//go:build !linux

package session

import "errors"

// OnResume is not available here: the caller's timers may run late after
// the computer slept.
func OnResume(func()) (stop func(), err error) {
	return nil, errors.New("watch for resume: not supported on this OS")
}
