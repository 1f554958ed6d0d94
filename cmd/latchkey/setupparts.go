package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"time"
)

// clientParts is what setup found installed of the parts a client's
// XOAUTH2 login depends on. An empty version means not found (or not
// looked for: only the chosen client's parts are probed).
type clientParts struct {
	// aerc is `aerc -v`'s version ("0.14.0").
	aerc string
	// mbsync is `mbsync -v`'s isync version ("1.4.4").
	mbsync string
	// authenSASL is the version of Perl's Authen::SASL ("2.16"), which git
	// send-email's XOAUTH2 needs at 2.1700 or later.
	authenSASL string
	// saslPlugin is the Cyrus SASL XOAUTH2 plugin mbsync needs, "" when
	// none was found; probed on Linux only.
	saslPlugin string
	// probed is false where setup could not look (not Linux).
	probed bool
}

// probeTimeout bounds each version probe: a client that hangs must not
// hang setup.
const probeTimeout = 3 * time.Second

// detectParts looks for the parts client needs; each probe runs only for
// its client and is cheap (one short-lived process or a glob).
func detectParts(ctx context.Context, client string) clientParts {
	p := clientParts{probed: runtime.GOOS == "linux"}
	switch client {
	case "aerc":
		p.aerc = probeVersion(ctx, regexp.MustCompile(`aerc ([0-9]+\.[0-9]+(?:\.[0-9]+)?)`), "aerc", "-v")
	case "git-send-email":
		p.authenSASL = probeVersion(ctx, regexp.MustCompile(`^([0-9]+\.[0-9]+)$`), "perl", "-MAuthen::SASL", "-e", "print $Authen::SASL::VERSION")
	case "mbsync":
		p.mbsync = probeVersion(ctx, regexp.MustCompile(`isync ([0-9]+\.[0-9]+(?:\.[0-9]+)?)`), "mbsync", "-v")
		if p.probed {
			p.saslPlugin = findSASLPlugin()
		}
	}
	return p
}

// probeVersion runs a program and returns the version re finds in its output.
func probeVersion(ctx context.Context, re *regexp.Regexp, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	if m := re.FindSubmatch(out); m != nil {
		return string(m[1])
	}
	return ""
}

// findSASLPlugin returns the path of a Cyrus SASL XOAUTH2 plugin (KDE's
// libkdexoauth2 or moriyoshi's libxoauth2) where Cyrus SASL looks for
// plugins, "" if there is none.
func findSASLPlugin() string {
	dirs := []string{"/usr/lib/*/sasl2", "/usr/lib/sasl2", "/usr/lib64/sasl2", "/usr/local/lib/sasl2"}
	if p := os.Getenv("SASL_PATH"); p != "" {
		dirs = append(filepath.SplitList(p), dirs...)
	}
	for _, d := range dirs {
		for _, lib := range []string{"libkdexoauth2.so*", "libxoauth2.so*"} {
			if m, _ := filepath.Glob(filepath.Join(d, lib)); len(m) > 0 {
				return m[0]
			}
		}
	}
	return ""
}

// authenSASLOld reports whether an Authen::SASL version (a Perl decimal:
// 2.16 is 2.1600) is older than 2.1700, the first with XOAUTH2; an empty
// one (not installed) counts as old.
func authenSASLOld(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err != nil || f < 2.17
}

// versionBefore reports whether version v (dotted numbers) is older than
// want; an empty or unreadable v counts as older.
func versionBefore(v string, want ...int) bool {
	parts := regexp.MustCompile(`[0-9]+`).FindAllString(v, -1)
	if len(parts) == 0 {
		return true
	}
	for i, w := range want {
		n := 0
		if i < len(parts) {
			n, _ = strconv.Atoi(parts[i])
		}
		if n != w {
			return n < w
		}
	}
	return false
}
