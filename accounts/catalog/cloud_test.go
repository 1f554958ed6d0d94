package catalog

import (
	"slices"
	"testing"
)

const graph = "https://graph.microsoft.com"

func TestSameScope(t *testing.T) {
	tests := []struct {
		a, b, graph string
		same        bool
	}{
		{"Mail.Read", "mail.read", graph, true},
		{"Mail.Read", "https://graph.microsoft.com/Mail.Read", graph, true},
		{"https://GRAPH.microsoft.com/mail.read", "Mail.Read", graph, true},
		{"Mail.Read", "https://graph.microsoft.us/Mail.Read", "https://graph.microsoft.us", true},
		{"Mail.Read", "https://graph.microsoft.us/Mail.Read", "", true},
		{"Mail.Read", "Mail.ReadWrite", graph, false},
		{"Mail.Read", "https://outlook.office.com/Mail.Read", graph, false},
		{"email", "https://www.googleapis.com/auth/userinfo.email", "", true},
		{"profile", "https://www.googleapis.com/auth/userinfo.profile", "", true},
		{"email", "https://www.googleapis.com/auth/userinfo.profile", "", false},
		{"https://mail.google.com/", "https://mail.google.com/", "", true},
		{"openid", "OpenID", "", true},
	}
	for _, tt := range tests {
		if got := SameScope(tt.a, tt.b, tt.graph); got != tt.same {
			t.Errorf("SameScope(%q, %q, %q) = %v", tt.a, tt.b, tt.graph, got)
		}
		if got := SameScope(tt.b, tt.a, tt.graph); got != tt.same {
			t.Errorf("SameScope(%q, %q, %q) = %v (reversed)", tt.b, tt.a, tt.graph, got)
		}
	}
}

func TestScopeResource(t *testing.T) {
	tests := []struct{ scope, want string }{
		{"openid", ""},
		{"offline_access", ""},
		{"User.Read", graph},
		{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com"},
		{"https://graph.microsoft.com/.default", graph},
	}
	for _, tt := range tests {
		if got := ScopeResource(tt.scope, graph); got != tt.want {
			t.Errorf("ScopeResource(%q) = %q, want %q", tt.scope, got, tt.want)
		}
	}
}

func TestMoveScopesToCloud(t *testing.T) {
	china := microsoftClouds["china"]
	in := []string{"openid", "User.Read", "https://graph.microsoft.com/Mail.Read", "https://outlook.office.com/SMTP.Send", "https://example.com/x"}
	got := MoveScopesToCloud(in, china)
	want := []string{"openid", "User.Read", china.Graph + "/Mail.Read", china.Outlook + "/SMTP.Send", "https://example.com/x"}
	if !slices.Equal(got, want) {
		t.Errorf("MoveScopesToCloud = %q, want %q", got, want)
	}
	if in[2] != "https://graph.microsoft.com/Mail.Read" {
		t.Error("MoveScopesToCloud changed its input")
	}
}
