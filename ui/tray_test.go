package ui

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/accounts"
)

// menuLabels renders a menu as lines: separators as "---", disabled items
// in brackets.
func menuLabels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		switch {
		case it.IsSeparator:
			out = append(out, "---")
		case it.Disabled:
			out = append(out, "["+it.Label+"]")
		default:
			out = append(out, it.Label)
		}
	}
	return out
}

func TestTrayMenu(t *testing.T) {
	tests := []struct {
		name  string
		state State
		want  []string
		icon  fyne.Resource
	}{
		{
			name:  "loading",
			state: State{Loading: true},
			want:  []string{"[Loading accounts…]", "---", "Connect account…", "Manage accounts…", "---", "Quit"},
			icon:  trayIconBusy,
		},
		{
			name:  "no accounts",
			state: State{},
			want:  []string{"[No accounts connected]", "---", "Connect account…", "Manage accounts…", "---", "Quit"},
			icon:  trayIconNormal,
		},
		{
			name:  "one connected",
			state: State{Accounts: []accounts.Account{alice}},
			want:  []string{"alice@contoso.com — connected", "---", "Connect account…", "Manage accounts…", "---", "Quit"},
			icon:  trayIconNormal,
		},
		{
			name:  "one needs reconnect",
			state: State{Accounts: []accounts.Account{alice, bob}},
			want: []string{
				"alice@contoso.com — connected",
				"Reconnect bob@example.com…",
				"---", "Connect account…", "Manage accounts…", "---", "Quit",
			},
			icon: trayIconAttention,
		},
		{
			name:  "reloading keeps accounts",
			state: State{Accounts: []accounts.Account{alice}, Loading: true},
			want:  []string{"alice@contoso.com — connected", "---", "Connect account…", "Manage accounts…", "---", "Quit"},
			icon:  trayIconBusy,
		},
		{
			name:  "load failed",
			state: State{Err: errors.New("boom")},
			want:  []string{"[Accounts unavailable]", "---", "Connect account…", "Manage accounts…", "---", "Quit"},
			icon:  trayIconAttention,
		},
		{
			name: "address falls back to name then ID",
			state: State{Accounts: []accounts.Account{
				{ID: "microsoft:x", Name: "Work", Status: accounts.StatusConnected},
				{ID: "google:y", Status: "suspended-by-admin"},
			}},
			want: []string{"Work — connected", "google:y — suspended by admin", "---", "Connect account…", "Manage accounts…", "---", "Quit"},
			icon: trayIconNormal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := TrayState{State: tt.state}
			got := menuLabels(TrayMenu(state))
			if len(got) != len(tt.want) {
				t.Fatalf("TrayMenu labels = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("TrayMenu labels = %q, want %q", got, tt.want)
					break
				}
			}
			if icon := TrayIcon(state); icon != tt.icon {
				t.Errorf("TrayIcon = %s, want %s", icon.Name(), tt.icon.Name())
			}
		})
	}
}

func TestTrayMenuActions(t *testing.T) {
	var managed, quit int
	m := TrayMenu(TrayState{OnManage: func() { managed++ }, OnQuit: func() { quit++ }})

	items := map[string]*fyne.MenuItem{}
	for _, it := range m.Items {
		items[it.Label] = it
	}
	items["Manage accounts…"].Action()
	items["Quit"].Action()
	if managed != 1 || quit != 1 {
		t.Errorf("Manage ran %d times, Quit %d times; want 1 each", managed, quit)
	}
	if !items["Quit"].IsQuit {
		t.Error("Quit item is not marked IsQuit: Fyne would add a second Quit")
	}
}

func TestTrayIconsDiffer(t *testing.T) {
	icons := []fyne.Resource{trayIconNormal, trayIconAttention, trayIconBusy, appIcon}
	seen := map[string]bool{}
	for _, r := range icons {
		if len(r.Content()) == 0 {
			t.Errorf("%s is empty", r.Name())
		}
		if seen[string(r.Content())] {
			t.Errorf("%s has the same image as another icon", r.Name())
		}
		seen[string(r.Content())] = true
	}
}

// fakeAutostart is a start-at-login switch in memory.
type fakeAutostart struct {
	on  bool
	err error
}

func (f *fakeAutostart) Enabled() (bool, error) { return f.on, nil }
func (f *fakeAutostart) Set(on bool) error {
	if f.err != nil {
		return f.err
	}
	f.on = on
	return nil
}

func TestStartAtLoginItem(t *testing.T) {
	auto := &fakeAutostart{}
	host := &fakeTray{}
	s := newShell(test.NewTempApp(t), &fakeLister{}, host, Options{Autostart: auto})
	s.prompted = true
	<-s.Reload()
	item := func() *fyne.MenuItem {
		for _, it := range host.menu.Items {
			if it.Label == "Start at login" {
				return it
			}
		}
		t.Fatalf("no Start at login in %q", menuLabels(host.menu))
		return nil
	}
	if item().Checked {
		t.Fatal("Start at login is checked while off")
	}
	item().Action()
	settle(t, s.bg)
	if !auto.on || !item().Checked {
		t.Errorf("after choosing it: on %v, checked %v", auto.on, item().Checked)
	}
	item().Action()
	settle(t, s.bg)
	if auto.on || item().Checked {
		t.Errorf("after choosing it again: on %v, checked %v", auto.on, item().Checked)
	}
	// A failure leaves the check mark telling the truth.
	auto.err = errors.New("read-only home")
	item().Action()
	settle(t, s.bg)
	if item().Checked {
		t.Error("checked although enabling failed")
	}
}
