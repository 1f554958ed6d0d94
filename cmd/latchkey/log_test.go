package main

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

func TestAgo(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		before time.Duration
		want   string
	}{
		{0, "just now"},
		{9 * time.Second, "just now"},
		{10 * time.Second, "10 seconds ago"},
		{time.Minute, "1 minute ago"},
		{3*time.Minute + 5*time.Second, "3 minutes ago"},
		{time.Hour, "1 hour ago"},
		{47 * time.Hour, "1 day ago"},
		{29 * 24 * time.Hour, "29 days ago"},
		{-time.Minute, now.Add(time.Minute).Local().Format("2006-01-02 15:04")},
		{40 * 24 * time.Hour, now.Add(-40 * 24 * time.Hour).Local().Format("2006-01-02 15:04")},
	} {
		if got := ago(now, now.Add(-c.before)); got != c.want {
			t.Errorf("ago(%v) = %q, want %q", c.before, got, c.want)
		}
	}
}

func TestLogColumns(t *testing.T) {
	for _, c := range []struct {
		r    accounts.Requester
		want string
	}{
		{accounts.Requester{Program: "msmtp", Parent: "neomutt"}, "msmtp (parent: neomutt)"},
		{accounts.Requester{Program: "curl"}, "curl"},
		{accounts.Requester{PID: 42}, "process 42"},
		{accounts.Requester{}, "unknown program"},
	} {
		if got := program(c.r); got != c.want {
			t.Errorf("program(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
	for _, c := range []struct {
		a    accounts.Use
		want string
	}{
		{accounts.Use{Scopes: []string{"openid", "https://mail.google.com/", "email"}}, "https://mail.google.com/"},
		{accounts.Use{Scopes: []string{"openid"}, Resource: "https://outlook.office.com"}, "https://outlook.office.com"},
		{accounts.Use{Scopes: []string{"openid"}, Resource: "default"}, "(sign-in only)"},
	} {
		if got := permissions(c.a); got != c.want {
			t.Errorf("permissions(%v) = %q, want %q", c.a.Scopes, got, c.want)
		}
	}
	if accountLabel("microsoft:alice@contoso.com") != "alice@contoso.com" || accountLabel("odd") != "odd" {
		t.Error("accountLabel")
	}
}
