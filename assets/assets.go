// Package assets holds Latchkey's images: the application icon and the tray
// icons, embedded as PNG bytes. It imports no GUI toolkit, so any package may
// use it without pulling in Fyne; the ui package wraps the bytes in Fyne
// resources.
//
// The PNGs are drawn by gen.go; edit that file and run `go generate` here to
// change them.
package assets

import _ "embed"

//go:generate go run gen.go

// Icon is the 512×512 application icon (window, launcher, package).
//
//go:embed icon.png
var Icon []byte

// Tray is the tray icon when every account is fine.
//
//go:embed tray.png
var Tray []byte

// TrayAttention is the tray icon when an account needs the person: it must
// be reconnected, or the accounts could not be read.
//
//go:embed tray-attention.png
var TrayAttention []byte

// TrayBusy is the tray icon while Latchkey is loading or working.
//
//go:embed tray-busy.png
var TrayBusy []byte
