package accounts

import (
	"slices"
	"testing"
)

const graph = "https://graph.microsoft.com"

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
