package oauthflow

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/accounts/safetext"
)

const (
	// maxDescription bounds provider-supplied descriptions kept in errors.
	maxDescription = 300
	// secretRun is the length from which a run of token-alphabet characters
	// in a provider's description is taken for an echoed credential and
	// redacted. GUIDs (36) such as Microsoft's trace IDs stay readable.
	secretRun = 48
)

// randomString returns n random bytes from crypto/rand, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+ panics
	// internally instead of returning an error).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errorCode keeps an OAuth error code if it looks like one ([a-z_], as all
// codes of RFC 6749 and OIDC do) and replaces it with "invalid" otherwise,
// so that nothing a request could inject reaches an error string.
func errorCode(s string) string {
	if s == "" || len(s) > 64 {
		return "invalid"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return "invalid"
		}
	}
	return s
}

// sanitizeText makes provider-supplied text safe to show in a terminal or a
// dialog: invalid UTF-8, control and format characters (including bidi
// overrides) are dropped, whitespace runs become one space, the given secrets
// and anything shaped like a credential are replaced by "[redacted]", and the
// result is cut to maxDescription runes.
func sanitizeText(s string, secrets ...string) string {
	if len(s) > 16*maxDescription {
		s = s[:16*maxDescription]
	}
	for _, v := range secrets {
		if len(v) >= 8 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case safetext.Hidden(r), r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	// Again after cleaning: an invalid byte or an invisible character
	// inside an echoed secret kept it from matching above, and is gone now.
	out := b.String()
	for _, v := range secrets {
		if len(v) >= 8 {
			out = strings.ReplaceAll(out, v, "[redacted]")
		}
	}
	out = redactRuns(out)
	if utf8.RuneCountInString(out) > maxDescription {
		out = string([]rune(out)[:maxDescription-1]) + "…"
	}
	return out
}

// IsB64Token tells whether s is an RFC 6750 b64token, the syntax of a
// bearer token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// Every token Latchkey receives or hands out must be one, so that no output
// format (an Authorization header, a SASL string, a line of text) can be
// split or extended by what a provider or the keychain holds.
func IsB64Token(s string) bool {
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' ||
		strings.IndexByte("-._~+/", s[i]) >= 0) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

// redactRuns replaces runs of at least secretRun characters of the alphabets
// tokens are written in (base64url with the dots of a JWT, and base64 but
// for "/") with "[redacted]". "/" ends a run so that URLs and issuers stay
// readable.
func redactRuns(s string) string {
	isTok := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-._~+=", c) >= 0
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isTok(s[j]) {
			j++
		}
		switch {
		case j-i >= secretRun:
			b.WriteString("[redacted]")
		case j > i:
			b.WriteString(s[i:j])
		}
		if j < len(s) {
			b.WriteByte(s[j])
			j++
		}
		i = j
	}
	return b.String()
}
