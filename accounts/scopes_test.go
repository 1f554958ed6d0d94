package accounts

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
		if got := sameScope(tt.a, tt.b, tt.graph); got != tt.same {
			t.Errorf("sameScope(%q, %q, %q) = %v", tt.a, tt.b, tt.graph, got)
		}
		if got := sameScope(tt.b, tt.a, tt.graph); got != tt.same {
			t.Errorf("sameScope(%q, %q, %q) = %v (reversed)", tt.b, tt.a, tt.graph, got)
		}
	}
}

func TestNotGranted(t *testing.T) {
	tests := []struct {
		name               string
		requested, granted []string
		graph              string
		want               []string
	}{
		{"all granted", []string{"openid", "User.Read"}, []string{"openid", "https://graph.microsoft.com/user.read"}, graph, []string{}},
		{"offline_access ignored", []string{"openid", "offline_access"}, []string{"openid"}, graph, []string{}},
		{"partial", []string{"openid", "Mail.Read", "Mail.Send"}, []string{"openid", "Mail.Read"}, graph, []string{"Mail.Send"}},
		{"google aliases", []string{"openid", "email", "profile", "https://mail.google.com/"},
			[]string{"openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile"}, "",
			[]string{"https://mail.google.com/"}},
		{"nothing granted", []string{"a", "b"}, nil, "", []string{"a", "b"}},
		{"nothing requested", nil, []string{"a"}, "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notGranted(tt.requested, tt.granted, tt.graph)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("notGranted = %#v, want %#v", got, tt.want)
			}
			if covers(tt.granted, tt.requested, tt.graph) != (len(tt.want) == 0) {
				t.Errorf("covers disagrees with notGranted")
			}
		})
	}
}

func TestWithScopes(t *testing.T) {
	in := []string{"a", "b"}
	got := withScopes(in, "b", "c", "c")
	if !slices.Equal(got, []string{"a", "b", "c"}) || len(in) != 2 {
		t.Errorf("withScopes = %q (input %q)", got, in)
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
		if got := scopeResource(tt.scope, graph); got != tt.want {
			t.Errorf("scopeResource(%q) = %q, want %q", tt.scope, got, tt.want)
		}
	}
}
