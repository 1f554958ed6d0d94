package accounts

import (
	"fmt"
	"slices"
	"strings"
)

// Capability is something a person lets programs do with an account, in
// their terms ("read mail"), which Latchkey turns into the fewest scopes
// each provider needs for it.
type Capability string

// The capabilities, least privilege first within each area.
const (
	// CapabilityReadMail reads messages without changing them.
	CapabilityReadMail Capability = "read-mail"
	// CapabilitySendMail sends mail as the person.
	CapabilitySendMail Capability = "send-mail"
	// CapabilityManageMail moves, labels, archives and deletes messages.
	CapabilityManageMail Capability = "manage-mail"
	// CapabilityDrafts writes and changes drafts.
	CapabilityDrafts Capability = "drafts"
	// CapabilityReadCalendar reads events without changing them.
	CapabilityReadCalendar Capability = "read-calendar"
	// CapabilityManageCalendar adds, changes and deletes events.
	CapabilityManageCalendar Capability = "manage-calendar"
	// CapabilityFreeBusy sees when the person is free or busy, not what.
	CapabilityFreeBusy Capability = "free-busy"
	// CapabilityReadContacts reads the address book.
	CapabilityReadContacts Capability = "read-contacts"
	// CapabilityManageContacts adds, changes and deletes contacts.
	CapabilityManageContacts Capability = "manage-contacts"
	// CapabilityMailClient is IMAP and SMTP for a mail program.
	CapabilityMailClient Capability = "mail-client"
	// CapabilitySharedMailboxes reads and sends mail of mailboxes others
	// share with the person (a team's support@ box), and reads calendars
	// shared with them (Microsoft 365 work or school accounts).
	CapabilitySharedMailboxes Capability = "shared-mailboxes"
)

// CapabilityInfo describes a capability for people.
type CapabilityInfo struct {
	// Name is what people type: `--allow read-mail`.
	Name Capability `json:"name"`
	// Title is a short label ("Read your mail").
	Title string `json:"title"`
	// Description says what programs can then do, in a sentence.
	Description string `json:"description"`
}

var capabilityInfos = []CapabilityInfo{
	{CapabilityReadMail, "Read your mail", "Programs can read your messages, but not change, delete or send them."},
	{CapabilitySendMail, "Send mail", "Programs can send mail in your name."},
	{CapabilityManageMail, "Organize your mail", "Programs can read, move, label, archive and delete your messages."},
	{CapabilityDrafts, "Write drafts", "Programs can write and change drafts for you to check before sending."},
	{CapabilityReadCalendar, "Read your calendar", "Programs can see your events, but not change them."},
	{CapabilityManageCalendar, "Manage your calendar", "Programs can add, change and delete your events."},
	{CapabilityFreeBusy, "See when you are free", "Programs can see when you are free or busy, not what your events are."},
	{CapabilityReadContacts, "Read your contacts", "Programs can read your address book, but not change it."},
	{CapabilityManageContacts, "Manage your contacts", "Programs can add, change and delete people in your address book."},
	{CapabilityMailClient, "Mail program (IMAP and SMTP)", "A mail program such as Thunderbird, mutt or aerc can read, organize and send your mail."},
	{CapabilitySharedMailboxes, "Shared mailboxes and calendars", "Programs can read and send mail of mailboxes shared with you, such as a team's support address, and read calendars shared with you."},
}

// Capabilities lists every capability, in the order people see them.
func Capabilities() []CapabilityInfo { return slices.Clone(capabilityInfos) }

// CapabilityByName returns the capability called name.
func CapabilityByName(name string) (CapabilityInfo, bool) {
	for _, c := range capabilityInfos {
		if string(c.Name) == name {
			return c, true
		}
	}
	return CapabilityInfo{}, false
}

// ParseCapabilities reads a list such as "read-mail,send-mail" (commas or
// spaces). An unknown name is an ErrUsage error that lists the known ones.
func ParseCapabilities(list string) ([]Capability, error) {
	var out []Capability
	for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		c, ok := CapabilityByName(strings.ToLower(n))
		if !ok {
			names := make([]string, len(capabilityInfos))
			for i, c := range capabilityInfos {
				names[i] = string(c.Name)
			}
			return nil, fmt.Errorf("%w: %q is not a capability Latchkey knows; choose from %s", ErrUsage, n, strings.Join(names, ", "))
		}
		if !slices.Contains(out, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out, nil
}

// ProviderCapability is how one provider offers one capability.
type ProviderCapability struct {
	// Provider is the provider's name.
	Provider string `json:"provider"`
	// Capability is the capability it offers (or refuses).
	Capability Capability `json:"capability"`
	// Scopes is the smallest set of scopes that gives the capability,
	// besides the sign-in scopes (global cloud spelling). Empty when Refused.
	Scopes []string `json:"scopes,omitempty"`
	// Refused, when set, says in plain words why this provider cannot offer
	// the capability, and what to use instead.
	Refused string `json:"refused,omitempty"`
	// Note is a caveat people should know (the scope gives more than the
	// capability needs, an administrator may have turned it off...).
	Note string `json:"note,omitempty"`
}

// RefusedError says that a provider cannot offer a capability, and why.
type RefusedError struct {
	// Provider is the provider's name.
	Provider string
	// Capability is the capability it cannot offer.
	Capability Capability
	// Reason says why, in plain words, and what to use instead.
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s cannot offer %s: %s", e.Provider, e.Capability, e.Reason)
}

// Is makes a RefusedError match ErrCapabilityRefused and ErrUsage.
func (e *RefusedError) Is(target error) bool {
	return target == ErrCapabilityRefused || target == ErrUsage
}

// CapabilityScopes returns how provider offers capability c (see
// ProviderCapability.Refused for one it cannot offer). ok is false for a
// provider or capability Latchkey has no table for (custom OpenID
// providers).
func CapabilityScopes(provider string, c Capability) (ProviderCapability, bool) {
	for _, pc := range capabilityTable {
		if pc.Provider == provider && pc.Capability == c {
			pc.Scopes = slices.Clone(pc.Scopes)
			return pc, true
		}
	}
	return ProviderCapability{}, false
}

// ProviderCapabilities lists how provider offers every capability, in the
// order of Capabilities(); nil for a provider without a table.
func ProviderCapabilities(provider string) []ProviderCapability {
	var out []ProviderCapability
	for _, c := range capabilityInfos {
		if pc, ok := CapabilityScopes(provider, c.Name); ok {
			out = append(out, pc)
		}
	}
	return out
}

// signInScopes are the scopes every connection of a provider asks for: who
// you are, and (Microsoft) a refresh token. Google gives a refresh token
// through access_type=offline instead of a scope.
var signInScopes = map[string][]string{
	"microsoft": {"openid", "profile", "email", "offline_access"},
	"exchange":  {"openid", "profile", "email", "offline_access"},
	"google":    {"openid", "email"},
}

const (
	// sharedNote says who decides which shared mailboxes a person opens.
	sharedNote      = "Work or school accounts only: an administrator gives you access to each shared mailbox."
	exchangeOutlook = "https://outlook.office.com/"
	useMicrosoft    = " need EWS, which hands over your whole mailbox; connect with `microsoft` (Microsoft Graph) instead, which asks only for what is needed"
)

// capabilityTable is the least-privilege choice per provider, as data.
var capabilityTable = []ProviderCapability{
	// Microsoft Graph.
	{Provider: "microsoft", Capability: CapabilityReadMail, Scopes: []string{"Mail.Read"}},
	{Provider: "microsoft", Capability: CapabilitySendMail, Scopes: []string{"Mail.Send"}},
	{Provider: "microsoft", Capability: CapabilityManageMail, Scopes: []string{"Mail.ReadWrite"}},
	{Provider: "microsoft", Capability: CapabilityDrafts, Scopes: []string{"Mail.ReadWrite"},
		Note: "Microsoft has no scope for drafts alone: this one also lets programs change and delete other messages."},
	// Calendars.Read, not ReadBasic: a calendar without event descriptions
	// is not what people mean by reading it, and ReadBasic's consent class
	// is uncertain (see the catalog).
	{Provider: "microsoft", Capability: CapabilityReadCalendar, Scopes: []string{"Calendars.Read"}},
	{Provider: "microsoft", Capability: CapabilityManageCalendar, Scopes: []string{"Calendars.ReadWrite"}},
	{Provider: "microsoft", Capability: CapabilityFreeBusy, Scopes: []string{"Calendars.ReadBasic"},
		Note: "Microsoft answers free/busy questions for work or school accounts only."},
	{Provider: "microsoft", Capability: CapabilityReadContacts, Scopes: []string{"Contacts.Read"}},
	{Provider: "microsoft", Capability: CapabilityManageContacts, Scopes: []string{"Contacts.ReadWrite"}},
	{Provider: "microsoft", Capability: CapabilityMailClient,
		Refused: "mail programs (IMAP and SMTP) do not accept Microsoft Graph tokens; connect with `exchange` instead"},
	{Provider: "microsoft", Capability: CapabilitySharedMailboxes, Scopes: []string{"Mail.Read.Shared", "Mail.Send.Shared", "Calendars.Read.Shared"},
		Note: sharedNote},

	// Exchange Online: IMAP, POP, SMTP and EWS.
	{Provider: "exchange", Capability: CapabilityReadMail, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All"},
		Note: "Exchange has no read-only scope: this one also lets programs change and delete your mail."},
	{Provider: "exchange", Capability: CapabilitySendMail, Scopes: []string{exchangeOutlook + "SMTP.Send"},
		Note: "Your organization must allow sending through SMTP for your mailbox."},
	{Provider: "exchange", Capability: CapabilityManageMail, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All"}},
	{Provider: "exchange", Capability: CapabilityDrafts, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All"},
		Note: "Drafts are kept through IMAP, which gives the whole mailbox."},
	{Provider: "exchange", Capability: CapabilityReadCalendar, Refused: "through Exchange Online, calendars" + useMicrosoft},
	{Provider: "exchange", Capability: CapabilityManageCalendar, Refused: "through Exchange Online, calendars" + useMicrosoft},
	{Provider: "exchange", Capability: CapabilityFreeBusy, Refused: "through Exchange Online, free/busy questions" + useMicrosoft},
	{Provider: "exchange", Capability: CapabilityReadContacts, Refused: "through Exchange Online, contacts" + useMicrosoft},
	{Provider: "exchange", Capability: CapabilityManageContacts, Refused: "through Exchange Online, contacts" + useMicrosoft},
	{Provider: "exchange", Capability: CapabilityMailClient, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All", exchangeOutlook + "SMTP.Send"},
		Note: "Your organization must allow IMAP and SMTP for your mailbox."},
	{Provider: "exchange", Capability: CapabilitySharedMailboxes, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All", exchangeOutlook + "SMTP.Send"},
		Note: sharedNote + " Over IMAP and SMTP a program logs in to it with your token and its address: `latchkey token ACCOUNT --mailbox ADDRESS --format xoauth2`."},

	// Google.
	{Provider: "google", Capability: CapabilityReadMail, Scopes: []string{gAuth + "gmail.readonly"}},
	{Provider: "google", Capability: CapabilitySendMail, Scopes: []string{gAuth + "gmail.send"}},
	{Provider: "google", Capability: CapabilityManageMail, Scopes: []string{gAuth + "gmail.modify"},
		Note: "Deleting mail forever (not just to the bin) needs full Gmail access, through mail-client."},
	{Provider: "google", Capability: CapabilityDrafts, Scopes: []string{gAuth + "gmail.compose"},
		Note: "Google's drafts scope also lets programs send mail."},
	{Provider: "google", Capability: CapabilityReadCalendar, Scopes: []string{gAuth + "calendar.readonly"}},
	{Provider: "google", Capability: CapabilityManageCalendar, Scopes: []string{gAuth + "calendar.events", gAuth + "calendar.calendarlist.readonly"}},
	{Provider: "google", Capability: CapabilityFreeBusy, Scopes: []string{gAuth + "calendar.freebusy"}},
	{Provider: "google", Capability: CapabilityReadContacts, Scopes: []string{gAuth + "contacts.readonly"}},
	{Provider: "google", Capability: CapabilityManageContacts, Scopes: []string{gAuth + "contacts"}},
	{Provider: "google", Capability: CapabilityMailClient, Scopes: []string{"https://mail.google.com/"},
		Note: "Gmail's mail servers accept only full Gmail access."},
	{Provider: "google", Capability: CapabilitySharedMailboxes,
		Refused: "Gmail has no shared mailboxes: a delegate signs in to the delegated account as its own user"},
}

// ScopeRequest is one scope Latchkey will ask for, and why.
type ScopeRequest struct {
	ScopeInfo
	// For lists the capabilities that need it (none for sign-in scopes
	// and scopes asked for by name).
	For []Capability `json:"for,omitempty"`
	// Why says in plain words why it is asked for.
	Why string `json:"why"`
}

// ScopePlan is what a connection will ask for: the fewest scopes that give
// the chosen capabilities, plus any asked for by name.
type ScopePlan struct {
	// Provider is the provider's name.
	Provider string `json:"provider"`
	// Capabilities are the capabilities chosen.
	Capabilities []Capability `json:"capabilities"`
	// Requests are the scopes to ask for, each with why.
	Requests []ScopeRequest `json:"requests"`
	// Notes are the capabilities' caveats, one sentence each.
	Notes []string `json:"notes,omitempty"`
}

// Scopes returns the scope strings to request, in order.
func (p ScopePlan) Scopes() []string {
	out := make([]string, len(p.Requests))
	for i, r := range p.Requests {
		out[i] = r.Scope
	}
	return out
}

// PlanScopes works out what to ask provider for: its sign-in scopes, the
// fewest scopes that give caps (a scope another one already includes is
// left out), and extra scopes named by the person. A capability the
// provider cannot offer is a *RefusedError; a provider without a
// capability table (custom OpenID providers) refuses every capability.
func PlanScopes(provider string, caps []Capability, extra []string) (ScopePlan, error) {
	plan := ScopePlan{Provider: provider, Capabilities: slices.Clone(caps)}
	if plan.Capabilities == nil {
		plan.Capabilities = []Capability{}
	}
	for _, sc := range signInScopes[provider] {
		plan.add(sc, signInWhy[sc])
	}
	var want []ScopeRequest
	for _, c := range caps {
		pc, ok := CapabilityScopes(provider, c)
		if !ok {
			return ScopePlan{}, &RefusedError{Provider: provider, Capability: c,
				Reason: "Latchkey knows capabilities only for microsoft, exchange and google; name the scopes with --scope"}
		}
		if pc.Refused != "" {
			return ScopePlan{}, &RefusedError{Provider: provider, Capability: c, Reason: pc.Refused}
		}
		if pc.Note != "" && !slices.Contains(plan.Notes, pc.Note) {
			plan.Notes = append(plan.Notes, pc.Note)
		}
		for _, sc := range pc.Scopes {
			want = append(want, ScopeRequest{ScopeInfo: ScopeInfo{Scope: sc}, For: []Capability{c}})
		}
	}
	// Least privilege: drop a scope that another wanted scope includes,
	// crediting its capabilities to the broader one.
	for i := range want {
		for j := range want {
			if i != j && want[j].Scope != "" && want[i].Scope != "" && want[i].Scope != want[j].Scope &&
				Implies(provider, want[j].Scope, want[i].Scope) {
				want[j].For = appendNew(want[j].For, want[i].For...)
				want[i].Scope = ""
			}
		}
	}
	for _, w := range want {
		if w.Scope != "" {
			plan.add(w.Scope, "", w.For...)
		}
	}
	for _, sc := range extra {
		plan.add(sc, "you asked for it by name")
	}
	for i := range plan.Requests {
		r := &plan.Requests[i]
		slices.SortFunc(r.For, func(a, b Capability) int { return capabilityIndex(a) - capabilityIndex(b) })
		if r.Why == "" {
			names := make([]string, len(r.For))
			for k, c := range r.For {
				info, _ := CapabilityByName(string(c))
				names[k] = strings.ToLower(info.Title[:1]) + info.Title[1:]
			}
			r.Why = "needed to " + JoinAnd(names)
		}
	}
	return plan, nil
}

// signInWhy says why each sign-in scope is asked for.
var signInWhy = map[string]string{
	"openid":         "so Latchkey knows which account this is",
	"profile":        "so Latchkey can show the account by your name",
	"email":          "so Latchkey can show the account by its address",
	"offline_access": "so Latchkey can keep the account connected without asking you to sign in again",
}

func capabilityIndex(c Capability) int {
	return slices.IndexFunc(capabilityInfos, func(i CapabilityInfo) bool { return i.Name == c })
}

// add appends scope to the plan, or merges it into the request already
// there for the same scope.
func (p *ScopePlan) add(scope, why string, caps ...Capability) {
	for i := range p.Requests {
		if catalogKey(p.Provider, p.Requests[i].Scope) == catalogKey(p.Provider, scope) {
			p.Requests[i].For = appendNew(p.Requests[i].For, caps...)
			return
		}
	}
	r := ScopeRequest{ScopeInfo: LookupScope(p.Provider, scope), For: slices.Clone(caps)}
	r.Scope, r.Why = scope, why
	p.Requests = append(p.Requests, r)
}

func appendNew[T comparable](s []T, items ...T) []T {
	for _, it := range items {
		if !slices.Contains(s, it) {
			s = append(s, it)
		}
	}
	return s
}

// JoinAnd joins words for an English sentence, as "a, b and c"; the
// front ends use it for the lists they write in their own sentences.
func JoinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// CapabilitiesGiven lists the capabilities (of provider's table) that the
// granted scopes give in full, in the order of Capabilities().
func CapabilitiesGiven(provider string, granted []string) []Capability {
	var out []Capability
	for _, pc := range ProviderCapabilities(provider) {
		if pc.Refused == "" && len(pc.Scopes) > 0 && allImplied(provider, granted, pc.Scopes) {
			out = append(out, pc.Capability)
		}
	}
	return out
}

func allImplied(provider string, granted, want []string) bool {
	for _, w := range want {
		if !impliedBy(provider, granted, w) {
			return false
		}
	}
	return true
}
