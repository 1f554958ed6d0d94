// Package session ties Latchkey's desktop app to the person's login
// session: starting at login (an XDG autostart entry on Linux, a
// LaunchAgent on macOS, the HKCU Run key on Windows), keeping one running
// instance that a second launch brings forward, desktop notifications
// with actions on Linux, and quitting (on request or on SIGTERM) in bounded
// time.
//
// It imports no GUI toolkit, so it cross-builds without cgo and tests
// without a display; the per-OS code sits behind build tags.
package session
