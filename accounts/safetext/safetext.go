// Package safetext makes text that came from a provider or from another
// process (names, addresses, program names, error descriptions) safe to
// put on a terminal, in a header or on screen: no control character can
// move the cursor, recolour the terminal or start a new line, and no
// Unicode format character (bidi override, zero-width) can make one text
// look like another. It is the one implementation the command line, the
// desktop app and the OAuth flow share.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Hidden tells whether r must not reach a terminal or a screen as it is:
// C0 controls (tab and newline included), DEL, C1 controls, format
// characters (bidi embeddings, overrides and isolates U+202A-202E and
// U+2066-2069, zero-width characters, the byte order mark, tags) and the
// line and paragraph separators U+2028 and U+2029.
func Hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// Line returns s with every Hidden character replaced by a visible Go
// escape (\x1b, \n, \u202e) and every invalid UTF-8 byte by U+FFFD, so s
// stays one line that reads as what it holds. Text without such
// characters is returned unchanged.
func Line(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case Hidden(r):
			// strconv quotes every hidden rune as an escape: it treats
			// them as non-printable.
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Lines is Line for text of several lines: each line is made safe and the
// newlines between them are kept.
func Lines(s string) string {
	if clean(s) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Line(l)
	}
	return strings.Join(lines, "\n")
}

// JSON rewrites the Hidden characters that encoding/json leaves as they
// are (DEL, C1 controls, format characters) as \u escapes. The document
// decodes to the same values, byte for byte, but no such character reaches
// a terminal through it. js must be valid JSON, as encoding/json writes it:
// those characters then only occur inside strings, where an escape is
// valid; C0 controls are already escaped there.
func JSON(js []byte) []byte {
	out := make([]byte, 0, len(js)+32)
	for i := 0; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		if r == '\n' || r == '\t' || r == '\r' || !Hidden(r) {
			out = append(out, js[i:i+size]...)
			i += size
			continue
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = appendEscape(out, r1)
			r = r2
		}
		out = appendEscape(out, r)
		i += size
	}
	return out
}

func appendEscape(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// clean tells whether s is valid UTF-8 without Hidden characters: the
// fast path, taken by nearly all text.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return cleanSlow(s[i:])
		}
	}
	return true
}

func cleanSlow(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || Hidden(r) {
			return false
		}
	}
	return true
}
