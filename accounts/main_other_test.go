//go:build !linux

package accounts

// keyringSession is nil where there is no private keyring to start: tests
// that want one fall back or skip, and the examples (which need one) are
// checked on Linux.
var keyringSession *struct{}
