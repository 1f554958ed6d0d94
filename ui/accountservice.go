package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// AccountService is what the desktop front end needs of Latchkey's
// accounts; NewAccountService adapts an *accounts.Service to it. Providers
// and Capabilities return built-in data at once and may be called on the
// UI goroutine; every other method may be slow (files, keychain, network)
// and is called through background, never on the UI goroutine.
type AccountService interface {
	AccountLister
	// Providers are the providers a person may connect, in menu order.
	Providers() []ProviderInfo
	// Capabilities are what a person may allow for provider, least
	// privilege first.
	Capabilities(provider string) []Capability
	// Registration is the app registration remembered for provider.
	Registration(provider string) (Registration, error)
	// SaveRegistration remembers reg for provider.
	SaveRegistration(provider string, reg Registration) error
	// Connect signs in through the browser; onURL gets the sign-in URL
	// before the browser opens.
	Connect(ctx context.Context, plan ConnectPlan, onURL func(string)) (accounts.Account, error)
	// Details explains an account's permissions.
	Details(ctx context.Context, id string) (Details, error)
	// Revoke takes back the access granted to Latchkey at the provider
	// (where the provider allows it) and forgets the account here.
	Revoke(ctx context.Context, id string) (RevokeOutcome, error)
	// Remove forgets the account on this computer only.
	Remove(ctx context.Context, id string) error
	// AccessToken returns a valid access token of the account.
	AccessToken(ctx context.Context, id string) (string, error)
	// SetApproval switches asking, in the app, before a program with no
	// kept decision gets the account's tokens.
	SetApproval(ctx context.Context, id string, on bool) error
	// ForgetProgram drops the decision kept for the program at exe: it is
	// asked about again.
	ForgetProgram(ctx context.Context, id, exe string) error
}

// ProviderInfo is one provider as the wizard offers it.
type ProviderInfo struct {
	// Name is the provider's ID (microsoft, exchange, google).
	Name string
	// Title is its name for people.
	Title string
	// Blurb says in a few words what connecting it gives.
	Blurb string
	// Microsoft is true for Microsoft's identity platform: tenant and
	// cloud apply, no client secret.
	Microsoft bool
	// NeedsSecret is true where the provider requires the desktop
	// client's (not confidential) secret.
	NeedsSecret bool
	// RedirectURI is what to register in the app registration.
	RedirectURI string
	// Console is where the app registration is made.
	Console string
	// Steps say how to make the app registration, one step each.
	Steps []string
	// DefaultRegistration is true when this build carries an app
	// registration for the provider: the wizard then skips the
	// registration step (see accounts.HasDefaultRegistration).
	DefaultRegistration bool
}

// Capability is one thing a person may allow, with the scopes it takes.
type Capability struct {
	// ID is the capability's name in the core (read-mail, send-mail...).
	ID string
	// Title is its label for people ("Read your mail").
	Title string
	// Description says in a sentence what programs can then do.
	Description string
	// Default marks the least-privilege choice, preselected.
	Default bool
	// Scopes are the scopes that give it, explained.
	Scopes []ScopeView
	// Unavailable says why this provider cannot offer it, "" if it can.
	Unavailable string
}

// ScopeView is one scope explained for people.
type ScopeView struct {
	// Scope is the exact string sent to the provider.
	Scope string
	// Purpose says what it lets a program do, in plain words.
	Purpose string
	// Sensitivity is the provider's classification in plain words
	// ("sensitive", "restricted"), "" when not notable.
	Sensitivity string
	// NeedsAdmin is true when an administrator must approve it.
	NeedsAdmin bool
	// Known is false for a scope Latchkey has no description of.
	Known bool
}

// Registration is a person's own app registration at a provider.
type Registration struct {
	// ClientID is the app registration's client (application) ID.
	ClientID string
	// ClientSecret is Google's desktop-client secret, which is not
	// confidential but which Google requires.
	ClientSecret string
	// Tenant and Cloud apply to Microsoft only.
	Tenant, Cloud string
}

// ConnectPlan is what the wizard asks Connect to do.
type ConnectPlan struct {
	// Provider is the provider's name (microsoft, exchange, google).
	Provider string
	// Capabilities are the capability IDs to allow.
	Capabilities []string
	// Account, when set, adds Capabilities to that connected account
	// instead of connecting a new one.
	Account string
	// Registration is the person's app registration to sign in with.
	Registration Registration
	// Timeout bounds the wait for the browser sign-in.
	Timeout time.Duration
	// Replace lets the sign-in replace a connected account with the same
	// address although another person signed in (see
	// accounts.ConnectRequest.Replace); the person chose it on purpose.
	Replace bool
	// ReplaceWith is the person they chose to replace it with: anyone
	// else signing in is asked about again.
	ReplaceWith accounts.Identity
}

// ScopeGroup is the granted scopes that serve one capability.
type ScopeGroup struct {
	// Title is the capability's title, or "Sign-in" or "Other permissions".
	Title string
	// Scopes are those granted scopes, explained.
	Scopes []ScopeView
}

// Details explains an account's permissions.
type Details struct {
	// Granted are the granted scopes grouped by capability.
	Granted []ScopeGroup
	// NotGranted are requested scopes the provider did not grant.
	NotGranted []ScopeView
	// WontWork names the capabilities that will not work for that.
	WontWork []string
	// Unconfirmed are requested scopes the provider has neither granted
	// nor refused yet: Microsoft answers for another service's scopes
	// only when a program first asks for a token for that service.
	Unconfirmed []ScopeView
	// RevokePlan says exactly what Revoke will do at this provider.
	RevokePlan string
	// PermissionsPage is where the person sees and removes Latchkey's
	// access at the provider.
	PermissionsPage string
	// LastUsed is when a program last got a token of the account through
	// Latchkey (zero if never, as far as the access log goes back), and
	// LastUsedBy that program's name ("msmtp"), "" if unknown.
	LastUsed   time.Time
	LastUsedBy string
	// RenewFailure says why the app's last background renewal of the
	// access token failed, "" if it did not (filled in by the Shell).
	RenewFailure string
	// Programs are the kept approval decisions (always, deny always), by
	// program path.
	Programs []accounts.ProgramDecision
}

// RevokeOutcome is what Revoke did, in plain words.
type RevokeOutcome struct {
	// Message says what was done and what, if anything, is left to do.
	Message string
	// OpenURL is a page the person must visit to finish, "" if none.
	OpenURL string
}

// NewAccountService adapts svc to AccountService.
func NewAccountService(svc *accounts.Service) AccountService { return &accountService{svc: svc} }

type accountService struct{ svc *accounts.Service }

func (c *accountService) List(ctx context.Context) ([]accounts.Account, error) {
	return c.svc.List(ctx)
}

func (c *accountService) Providers() []ProviderInfo {
	var out []ProviderInfo
	for _, p := range catalog.Providers() {
		out = append(out, ProviderInfo{
			Name: p.Name, Title: p.Title, Blurb: p.Blurb,
			Microsoft: p.Family == catalog.FamilyMicrosoft, NeedsSecret: p.NeedsClientSecret,
			RedirectURI: p.RedirectURI(), Console: p.Console, Steps: slices.Clone(p.Steps),
			DefaultRegistration: accounts.HasDefaultRegistration(p.Name, ""),
		})
	}
	return out
}

func (c *accountService) Registration(provider string) (Registration, error) {
	cfg, err := c.svc.Config()
	if err != nil {
		return Registration{}, err
	}
	s := cfg.Providers[provider]
	return Registration{ClientID: s.ClientID, ClientSecret: s.ClientSecret, Tenant: s.Tenant, Cloud: s.Cloud}, nil
}

func (c *accountService) SaveRegistration(provider string, reg Registration) error {
	return c.svc.SaveRegistration(provider, accounts.Settings{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, Tenant: reg.Tenant, Cloud: reg.Cloud})
}

func (c *accountService) Connect(ctx context.Context, plan ConnectPlan, onURL func(string)) (accounts.Account, error) {
	r := plan.Registration
	var allow []catalog.Capability
	for _, c := range plan.Capabilities {
		allow = append(allow, catalog.Capability(c))
	}
	return c.svc.Connect(ctx, accounts.ConnectRequest{
		Provider: plan.Provider,
		Settings: accounts.Settings{ClientID: r.ClientID, ClientSecret: r.ClientSecret, Tenant: r.Tenant, Cloud: r.Cloud},
		Allow:    allow,
		Account:  plan.Account,
		Timeout:  plan.Timeout,
		Replace:  plan.Replace, ReplaceWith: plan.ReplaceWith,
		OnURL: onURL,
	})
}

func (c *accountService) Remove(ctx context.Context, id string) error {
	_, err := c.svc.Remove(ctx, id)
	return err
}

func (c *accountService) AccessToken(ctx context.Context, id string) (string, error) {
	// A token put on the clipboard is handed out like any other: the
	// access log records it, with this app as the program.
	t, err := c.svc.TokenFor(ctx, id, accounts.TokenRequest{Format: "clipboard"})
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

func (c *accountService) SetApproval(ctx context.Context, id string, on bool) error {
	_, err := c.svc.SetApproval(ctx, id, on)
	return err
}

func (c *accountService) ForgetProgram(ctx context.Context, id, exe string) error {
	n, err := c.svc.ForgetApproval(ctx, id, exe)
	if err == nil && n == 0 {
		err = fmt.Errorf("no decision is kept for %s any more", exe)
	}
	return err
}

func (c *accountService) Capabilities(provider string) []Capability {
	p, _ := catalog.Lookup(provider)
	var out []Capability
	for _, pc := range catalog.ProviderCapabilities(provider) {
		info, _ := catalog.CapabilityByName(string(pc.Capability))
		cp := Capability{ID: string(pc.Capability), Title: info.Title, Description: info.Description, Default: p.DefaultCapability == pc.Capability}
		if pc.Refused != "" {
			cp.Unavailable = "Not offered here: " + pc.Refused
		}
		for _, sc := range pc.Scopes {
			cp.Scopes = append(cp.Scopes, scopeView(catalog.LookupScope(provider, sc)))
		}
		out = append(out, cp)
	}
	return out
}

// scopeView puts a catalog entry into words for the screens.
func scopeView(info catalog.ScopeInfo) ScopeView {
	v := ScopeView{Scope: info.Scope, Purpose: info.Purpose, Known: info.Known}
	switch info.Sensitivity {
	case catalog.SensitivitySensitive:
		v.Sensitivity = "sensitive (Google)"
	case catalog.SensitivityRestricted:
		v.Sensitivity = "restricted (Google's strictest class)"
	case catalog.SensitivityAdminConsent:
		v.NeedsAdmin = true
	}
	if info.WorkOrSchoolOnly {
		v.Sensitivity = strings.TrimPrefix(v.Sensitivity+" · work or school accounts only", " · ")
	}
	return v
}

func (c *accountService) Details(ctx context.Context, id string) (Details, error) {
	det, err := c.svc.Detail(ctx, id)
	if err != nil {
		return Details{}, err
	}
	d := Details{RevokePlan: revokePlan(det.Account), PermissionsPage: det.PermissionsPage}
	for _, g := range det.Granted {
		sg := ScopeGroup{Title: g.Title}
		for _, sc := range g.Scopes {
			sg.Scopes = append(sg.Scopes, scopeView(sc))
		}
		d.Granted = append(d.Granted, sg)
	}
	for _, sc := range det.Missing {
		d.NotGranted = append(d.NotGranted, scopeView(sc))
	}
	for _, sc := range det.Pending {
		d.Unconfirmed = append(d.Unconfirmed, scopeView(sc))
	}
	if uses, err := c.svc.LastUse(ctx); err == nil {
		if u, ok := uses[det.ID]; ok {
			d.LastUsed, d.LastUsedBy = u.Time, u.Program
		}
	}
	if _, progs, err := c.svc.Approvals(ctx, det.ID); err == nil {
		d.Programs = progs
	}
	for _, c := range det.Lost {
		d.WontWork = append(d.WontWork, lostCapability(string(c)))
	}
	return d, nil
}

// lostCapability names a capability the account lost, to follow "won't
// work:": its title in lower case, or its name when the catalog has none.
func lostCapability(name string) string {
	info, ok := catalog.CapabilityByName(name)
	if !ok || info.Title == "" {
		return safetext.Line(name) // from the index, perhaps of a newer Latchkey
	}
	first, size := utf8.DecodeRuneInString(info.Title)
	return string(unicode.ToLower(first)) + info.Title[size:]
}

func (c *accountService) Revoke(ctx context.Context, id string) (RevokeOutcome, error) {
	// The page is opened by the app, not by the core's browser opener.
	res, err := c.svc.Revoke(ctx, id, accounts.RevokeOptions{NoBrowser: true})
	if err != nil {
		return RevokeOutcome{}, err
	}
	return RevokeOutcome{Message: strings.TrimSpace(res.Done + " " + res.ToDo), OpenURL: res.Page}, nil
}

// revokePlan says, before anything is done, what revoking does at the
// account's provider.
func revokePlan(a accounts.Account) string {
	who := accountAddress(a)
	p, _ := catalog.Lookup(a.Provider)
	switch p.Family {
	case catalog.FamilyGoogle:
		return "Latchkey will ask " + p.Company() + " to cancel the access you gave it for " + who +
			", check that " + p.Company() + " refuses the old sign-in, then delete the account's tokens from this computer's keychain. " +
			"Every program using this account through Latchkey stops working at once."
	case catalog.FamilyMicrosoft:
		return p.Company() + " offers no way for an app to take back its own access, so Latchkey will delete " + who +
			"'s tokens from this computer's keychain and open " + p.Company() + "'s page where you remove Latchkey's access yourself. " +
			"Until you do, the access you granted stays valid at " + p.Company() + "."
	}
	return "Latchkey will delete " + who + "'s tokens from this computer's keychain. " +
		"The access you granted stays valid at the provider until you remove it there."
}
