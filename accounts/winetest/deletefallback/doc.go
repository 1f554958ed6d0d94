// Package deletefallback makes Go's os.RemoveAll (and so t.TempDir's
// cleanup) delete files the way older Windows versions need, which is the
// way Wine 8.0 supports: see package winetest. It does something on
// Windows only.
package deletefallback
