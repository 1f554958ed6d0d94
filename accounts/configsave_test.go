package accounts

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSetProviderKeys(t *testing.T) {
	tests := []struct {
		name, in string
		values   map[string]string
		want     string
	}{
		{"empty file", "", map[string]string{"client_id": "abc"}, "[providers.microsoft]\nclient_id = \"abc\"\n"},
		{
			"keeps comments and other tables",
			"# mine\n[providers.google]\nclient_id = \"g\"\n\n[providers.microsoft] # work\n# the tenant\ntenant = \"old\"\nauthority = \"https://x\"\n",
			map[string]string{"client_id": "new", "tenant": "contoso.com"},
			"# mine\n[providers.google]\nclient_id = \"g\"\n\n[providers.microsoft] # work\nclient_id = \"new\"\ntenant = \"contoso.com\"\n# the tenant\nauthority = \"https://x\"\n",
		},
		{"empty value removes", "[providers.microsoft]\ncloud = \"china\"\nclient_id = \"a\"\n", map[string]string{"client_id": "a"}, "[providers.microsoft]\nclient_id = \"a\"\n"},
		{"quotes", "", map[string]string{"client_secret": `a"b\c`}, "[providers.microsoft]\nclient_secret = \"a\\\"b\\\\c\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := setProviderKeys(tt.in, "microsoft", tt.values); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSaveRegistration(t *testing.T) {
	s := newTestService(t, newMemStore(), "[providers.google]\nclient_id = \"g\"\n")
	if err := s.SaveRegistration("microsoft", Settings{ClientID: "11111111-2222-3333-4444-555555555555", Tenant: "organizations", Cloud: "usgov"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	ms := cfg.Providers["microsoft"]
	if ms.ClientID != "11111111-2222-3333-4444-555555555555" || ms.Tenant != "organizations" || ms.Cloud != "usgov" || cfg.Providers["google"].ClientID != "g" {
		t.Errorf("config after save = %+v", cfg.Providers)
	}
	if err := s.SaveRegistration("microsoft", Settings{ClientID: "x\ny"}); err == nil {
		t.Error("a value with a newline was saved")
	}
	data, _ := os.ReadFile(filepath.Join(s.dir, ConfigFileName))
	if string(data) == "" {
		t.Error("config.toml is empty")
	}
}
