package secretstore

import "testing"

// TestUnixSocket walks the addresses dialBus connects to itself, and those
// it leaves to godbus.
func TestUnixSocket(t *testing.T) {
	tests := []struct {
		addr, want string
		ok         bool
	}{
		{"unix:path=/run/user/1000/bus", "/run/user/1000/bus", true},
		{"unix:path=/tmp/x/bus,guid=55dbeee90aad3445ea23856f6b03eaa4", "/tmp/x/bus", true},
		{"unix:abstract=/tmp/dbus-abc,guid=0123", "@/tmp/dbus-abc", true},
		{"unix:path=/tmp/with%20space", "/tmp/with space", true},
		{"unix:tmpdir=/tmp", "", false},
		{"unix:path=/a,abstract=/b", "", false},
		{"unix:path=/a,path=/b", "", false},
		{"unix:path=%zz", "", false},
		{"unix:guid=0123", "", false},
		{"tcp:host=127.0.0.1,port=4000", "", false},
		{"autolaunch:", "", false},
	}
	for _, tt := range tests {
		got, ok := unixSocket(tt.addr)
		if got != tt.want || ok != tt.ok {
			t.Errorf("unixSocket(%q) = %q, %v; want %q, %v", tt.addr, got, ok, tt.want, tt.ok)
		}
	}
}
