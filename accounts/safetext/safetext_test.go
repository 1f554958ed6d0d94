package safetext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"alice@contoso.com", "alice@contoso.com"},
		{"Zoë Ångström 山田", "Zoë Ångström 山田"},
		{"red\x1b[31mtext", `red\x1b[31mtext`},
		{"two\nlines\r\tand a tab", `two\nlines\r\tand a tab`},
		{"nul\x00 bell\x07 del\x7f", `nul\x00 bell\a del\x7f`},
		{"c1 csi \u009b31m nel \u0085", `c1 csi \u009b31m nel \u0085`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"\u2066isolate\u2069", `\u2066isolate\u2069`},
		{"zero\u200bwidth\u200d\ufeff", `zero\u200bwidth\u200d\ufeff`},
		{"line\u2028sep\u2029", `line\u2028sep\u2029`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"", ""},
	} {
		got := Line(tt.in)
		if got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) || strings.IndexFunc(got, Hidden) >= 0 {
			t.Errorf("Line(%q) = %q still holds a hidden character", tt.in, got)
		}
	}
}

func TestLines(t *testing.T) {
	if got, want := Lines("one\x1b]0;title\x07\ntwo\u202e"), "one\\x1b]0;title\\a\ntwo\\u202e"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

// TestJSON: the rewritten document decodes to the same value and holds no
// hidden character outside the newlines of indentation.
func TestJSON(t *testing.T) {
	v := map[string]string{"name": "a\x1b[2J\u009b\x7f\u202e\u200b\U000e0041\u2028z", "plain": "Zoë"}
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := JSON(js)
	if strings.ContainsFunc(string(out), func(r rune) bool { return r != '\n' && Hidden(r) }) {
		t.Errorf("JSON left a hidden character: %q", out)
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["name"] != v["name"] || back["plain"] != v["plain"] {
		t.Errorf("JSON changed the value: %q (%v)", back, err)
	}
	if clean := []byte("{\n  \"a\": \"b\"\n}\n"); string(JSON(clean)) != string(clean) {
		t.Errorf("JSON changed a clean document: %q", JSON(clean))
	}
}
