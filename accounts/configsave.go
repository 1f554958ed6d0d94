package accounts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Config reads this Service's config.toml.
func (s *Service) Config() (*Config, error) { return LoadConfig(s.dir) }

// savedKeys are the settings a front end may remember for a provider: its
// app registration. Other keys are left as the person wrote them.
var savedKeys = []string{"client_id", "client_secret", "tenant", "cloud"}

// SaveRegistration remembers a provider's app registration (client id,
// client secret, tenant, cloud) in config.toml, so the next connect or
// reconnect uses it. Empty fields remove their key. The rest of the file,
// comments included, is kept; the new file is checked before it replaces
// the old one.
func (s *Service) SaveRegistration(provider string, set Settings) error {
	if !providerName().MatchString(provider) {
		return fmt.Errorf("%w: provider name %q", ErrUsage, provider)
	}
	path := filepath.Join(s.dir, ConfigFileName)
	old, err := readTrusted(s.dir, ConfigFileName)
	switch {
	case err == nil, errors.Is(err, os.ErrNotExist):
	case errors.Is(err, ErrStorage):
		return err
	default:
		return &ConfigError{Path: path, Msg: err.Error()}
	}
	for _, v := range []string{set.ClientID, set.ClientSecret, set.Tenant, set.Cloud} {
		if strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Errorf("%w: a setting contains a control character", ErrUsage)
		}
	}
	values := map[string]string{"client_id": set.ClientID, "client_secret": set.ClientSecret, "tenant": set.Tenant, "cloud": set.Cloud}
	text := setProviderKeys(string(old), provider, values)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("%w: create %s: %v", ErrStorage, s.dir, err)
	}
	// Written only where it will be trusted when read, through the
	// resolved path that was checked.
	dir, err := trustedDir(s.dir)
	if err != nil {
		return err
	}
	path = filepath.Join(dir, ConfigFileName)
	tmp, err := os.CreateTemp(dir, ".config-*.toml")
	if err != nil {
		return fmt.Errorf("%w: save %s: %v", ErrStorage, path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(text)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: save %s: %v", ErrStorage, path, err)
	}
	// Never leave a file the next start cannot read.
	if err := checkConfigText(text, path); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%w: save %s: %v", ErrStorage, path, err)
	}
	return nil
}

// checkConfigText parses text as config.toml would be.
func checkConfigText(text, path string) error {
	if _, err := parseConfig(path, []byte(text)); err != nil {
		return &ConfigError{Path: path, Msg: "the settings could not be saved without breaking the file: " + err.Error()}
	}
	return nil
}

// setProviderKeys returns text with the keys in values set (or removed,
// for empty values) in the [providers.NAME] table, adding the table at the
// end if there is none.
func setProviderKeys(text, provider string, values map[string]string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if text == "" {
		lines = nil
	}
	tableHeader := regexp.MustCompile(`^\s*\[`)
	header := regexp.MustCompile(`^\s*\[\s*providers\.("?)` + regexp.QuoteMeta(provider) + `("?)\s*\]\s*(#.*)?$`)
	start := slices.IndexFunc(lines, header.MatchString)
	if start < 0 {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, "[providers."+provider+"]")
		start = len(lines) - 1
	}
	end := len(lines)
	for i := start + 1; i < len(lines); i++ {
		if tableHeader.MatchString(lines[i]) {
			end = i
			break
		}
	}
	body := slices.Clone(lines[start+1 : end])
	for _, key := range savedKeys {
		keyLine := regexp.MustCompile(`^\s*"?` + key + `"?\s*=`)
		body = slices.DeleteFunc(body, keyLine.MatchString)
	}
	var add []string
	for _, key := range savedKeys {
		if v := values[key]; v != "" {
			add = append(add, key+" = "+strconv.Quote(v))
		}
	}
	out := slices.Concat(lines[:start+1], add, body, lines[end:])
	return strings.Join(out, "\n") + "\n"
}
