package oauthflow

import (
	"io"
	"net/http"
	"strconv"
)

// The callback pages are fixed documents: nothing from the request is ever
// written into them, they run no script and load nothing.
const (
	successPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey</title>
<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;text-align:center}</style>
</head><body><h1>Signed in</h1><p>You can close this tab and return to Latchkey.</p></body></html>
`
	failurePage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey</title>
<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;text-align:center}</style>
</head><body><h1>Not signed in</h1><p>Sign-in did not complete; return to Latchkey for details.</p></body></html>
`
	reusedPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey</title>
<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;text-align:center}</style>
</head><body><h1>Not signed in</h1><p>This sign-in link was already opened, perhaps by another program. Latchkey stopped the sign-in to be safe: return to Latchkey and sign in again.</p></body></html>
`
	notFoundPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><p>Not found.</p></body></html>
`
)

// pageCSP forbids everything but the inline style of the pages above.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func writePage(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	setSafeHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// writeRedirect answers the launch URL: 303 to location, with no body, not
// to be cached (a cached redirect would replay the state), and no Referer
// for the provider.
func writeRedirect(w http.ResponseWriter, location string) {
	h := w.Header()
	setSafeHeaders(h)
	h.Set("Location", location)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusSeeOther)
}

func setSafeHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
}
