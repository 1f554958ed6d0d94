//go:build windows

package deletefallback

import _ "unsafe" // go:linkname

// useFallback is the standard library's switch for its compatible delete,
// there for its own tests.
//
//go:linkname useFallback internal/syscall/windows.TestDeleteatFallback
var useFallback bool

func init() { useFallback = true }
