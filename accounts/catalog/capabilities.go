package catalog

import "slices"

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

// CapabilityScopes returns how provider offers capability c (see
// ProviderCapability.Refused for one it cannot offer). ok is false for a
// provider or capability Latchkey has no table for (custom OpenID
// providers).
func CapabilityScopes(provider string, c Capability) (ProviderCapability, bool) {
	return load().offer(provider, c)
}

func (t *table) offer(provider string, c Capability) (ProviderCapability, bool) {
	if i, ok := t.byName[provider]; ok {
		for _, pc := range t.providers[i].Offers {
			if pc.Capability == c {
				pc.Scopes = slices.Clone(pc.Scopes)
				return pc, true
			}
		}
	}
	return ProviderCapability{}, false
}

// ProviderCapabilities lists how provider offers every capability, in the
// order of Capabilities(); nil for a provider without a table.
func ProviderCapabilities(provider string) []ProviderCapability {
	t := load()
	var out []ProviderCapability
	for _, c := range capabilityInfos {
		if pc, ok := t.offer(provider, c.Name); ok {
			out = append(out, pc)
		}
	}
	return out
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

const (
	// sharedNote says who decides which shared mailboxes a person opens.
	sharedNote      = "Work or school accounts only: an administrator gives you access to each shared mailbox."
	exchangeOutlook = "https://outlook.office.com/"
	useMicrosoft    = " need EWS, which hands over your whole mailbox; connect with `microsoft` (Microsoft Graph) instead, which asks only for what is needed"
)

// How each provider offers each capability: the least-privilege choice,
// as data (the Provider field is filled in by the table).

// graphOffers are Microsoft Graph's.
var graphOffers = []ProviderCapability{
	{Capability: CapabilityReadMail, Scopes: []string{"Mail.Read"}},
	{Capability: CapabilitySendMail, Scopes: []string{"Mail.Send"}},
	{Capability: CapabilityManageMail, Scopes: []string{"Mail.ReadWrite"}},
	{Capability: CapabilityDrafts, Scopes: []string{"Mail.ReadWrite"},
		Note: "Microsoft has no scope for drafts alone: this one also lets programs change and delete other messages."},
	// Calendars.Read, not ReadBasic: a calendar without event descriptions
	// is not what people mean by reading it, and ReadBasic's consent class
	// is uncertain (see the catalog).
	{Capability: CapabilityReadCalendar, Scopes: []string{"Calendars.Read"}},
	{Capability: CapabilityManageCalendar, Scopes: []string{"Calendars.ReadWrite"}},
	{Capability: CapabilityFreeBusy, Scopes: []string{"Calendars.ReadBasic"},
		Note: "Microsoft answers free/busy questions for work or school accounts only."},
	{Capability: CapabilityReadContacts, Scopes: []string{"Contacts.Read"}},
	{Capability: CapabilityManageContacts, Scopes: []string{"Contacts.ReadWrite"}},
	{Capability: CapabilityMailClient,
		Refused: "mail programs (IMAP and SMTP) do not accept Microsoft Graph tokens; connect with `exchange` instead"},
	{Capability: CapabilitySharedMailboxes, Scopes: []string{"Mail.Read.Shared", "Mail.Send.Shared", "Calendars.Read.Shared"},
		Note: sharedNote},
}

// exchangeOffers are Exchange Online's: IMAP, POP, SMTP and EWS.
var exchangeOffers = []ProviderCapability{
	{Capability: CapabilityReadMail, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All"},
		Note: "Exchange has no read-only scope: this one also lets programs change and delete your mail."},
	{Capability: CapabilitySendMail, Scopes: []string{exchangeOutlook + "SMTP.Send"},
		Note: "Your organization must allow sending through SMTP for your mailbox."},
	{Capability: CapabilityManageMail, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All"}},
	{Capability: CapabilityDrafts, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All"},
		Note: "Drafts are kept through IMAP, which gives the whole mailbox."},
	{Capability: CapabilityReadCalendar, Refused: "through Exchange Online, calendars" + useMicrosoft},
	{Capability: CapabilityManageCalendar, Refused: "through Exchange Online, calendars" + useMicrosoft},
	{Capability: CapabilityFreeBusy, Refused: "through Exchange Online, free/busy questions" + useMicrosoft},
	{Capability: CapabilityReadContacts, Refused: "through Exchange Online, contacts" + useMicrosoft},
	{Capability: CapabilityManageContacts, Refused: "through Exchange Online, contacts" + useMicrosoft},
	{Capability: CapabilityMailClient, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All", exchangeOutlook + "SMTP.Send"},
		Note: "Your organization must allow IMAP and SMTP for your mailbox."},
	{Capability: CapabilitySharedMailboxes, Scopes: []string{exchangeOutlook + "IMAP.AccessAsUser.All", exchangeOutlook + "SMTP.Send"},
		Note: sharedNote + " Over IMAP and SMTP a program logs in to it with your token and its address: `latchkey token ACCOUNT --mailbox ADDRESS --format xoauth2`."},
}

// googleOffers are Google's.
var googleOffers = []ProviderCapability{
	{Capability: CapabilityReadMail, Scopes: []string{gAuth + "gmail.readonly"}},
	{Capability: CapabilitySendMail, Scopes: []string{gAuth + "gmail.send"}},
	{Capability: CapabilityManageMail, Scopes: []string{gAuth + "gmail.modify"},
		Note: "Deleting mail forever (not just to the bin) needs full Gmail access, through mail-client."},
	{Capability: CapabilityDrafts, Scopes: []string{gAuth + "gmail.compose"},
		Note: "Google's drafts scope also lets programs send mail."},
	{Capability: CapabilityReadCalendar, Scopes: []string{gAuth + "calendar.readonly"}},
	{Capability: CapabilityManageCalendar, Scopes: []string{gAuth + "calendar.events", gAuth + "calendar.calendarlist.readonly"}},
	{Capability: CapabilityFreeBusy, Scopes: []string{gAuth + "calendar.freebusy"}},
	{Capability: CapabilityReadContacts, Scopes: []string{gAuth + "contacts.readonly"}},
	{Capability: CapabilityManageContacts, Scopes: []string{gAuth + "contacts"}},
	{Capability: CapabilityMailClient, Scopes: []string{"https://mail.google.com/"},
		Note: "Gmail's mail servers accept only full Gmail access."},
	{Capability: CapabilitySharedMailboxes,
		Refused: "Gmail has no shared mailboxes: a delegate signs in to the delegated account as its own user"},
}
