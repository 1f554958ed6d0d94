package catalog

// The scope catalog, as data. Facts (strings, access, consent, Google's
// classes, what includes what) come from the providers' permission
// references as gathered in the project's reference tables; every purpose
// is written for Latchkey in plain words. Rows whose facts are uncertain
// say so in a comment starting with "Uncertain:"; scopes_test.go lists
// them (TestCatalogUncertainRows) so they stay visible.

const (
	resSignIn   = "Sign-in"
	resGraph    = "Microsoft Graph"
	resExchange = "Exchange Online"
)

// Uncertain: which Graph permissions personal Microsoft accounts cannot
// use (WorkOrSchoolOnly) is not in the reference tables. The flags follow
// Microsoft's per-permission notes as we know them: the .Shared variants,
// everything about an organization (User.*.All, People.Read.All,
// Place.Read.All) and Teams (chats, meetings, presence).

// ms builds a Microsoft entry (provider filled in by the table).
func ms(resource, scope string, access Access, admin, workOnly bool, purpose string, includes ...string) ScopeInfo {
	s := SensitivityUserConsent
	if admin {
		s = SensitivityAdminConsent
	}
	return ScopeInfo{Scope: scope, Resource: resource, Purpose: purpose, Access: access, Sensitivity: s,
		WorkOrSchoolOnly: workOnly, Includes: includes, Known: true}
}

func microsoftIdentityScopes() []ScopeInfo {
	return []ScopeInfo{
		ms(resSignIn, "openid", AccessIdentity, false, false, "Lets Latchkey sign you in and confirm which account you used."),
		ms(resSignIn, "profile", AccessIdentity, false, false, "Shows your name and account username to the program."),
		ms(resSignIn, "email", AccessIdentity, false, false, "Shows your main email address to the program."),
		ms(resSignIn, "offline_access", AccessIdentity, false, false, "Keeps the connection working while you are away, until you revoke it."),
	}
}

var graphScopes = []ScopeInfo{
	// The user
	ms(resGraph, "User.Read", AccessIdentity, false, false, "Reads your own profile: name, address, job title and your organization's basic details."),
	ms(resGraph, "User.ReadWrite", AccessWrite, false, false, "Reads and changes the details of your own profile.", "User.Read"),
	ms(resGraph, "User.ReadBasic.All", AccessRead, false, true, "Reads the names, addresses and photos of everyone in your organization.", "User.Read"),
	ms(resGraph, "User.Read.All", AccessRead, true, true, "Reads the full profiles of everyone in your organization.", "User.ReadBasic.All"),
	// Uncertain: not in the reference table; admin consent taken from the
	// Graph permissions reference as remembered.
	ms(resGraph, "User.ReadWrite.All", AccessWrite, true, true, "Reads and changes the profiles of everyone in your organization.", "User.Read.All", "User.ReadWrite"),

	// Mail
	ms(resGraph, "Mail.ReadBasic", AccessRead, false, false, "Sees who your messages are from, their subjects and dates, but not what they say."),
	ms(resGraph, "Mail.Read", AccessRead, false, false, "Reads every message in your mailbox, with its text and attachments.", "Mail.ReadBasic"),
	ms(resGraph, "Mail.ReadWrite", AccessWrite, false, false, "Reads, writes, moves and deletes your messages and folders, but cannot send mail.", "Mail.Read"),
	ms(resGraph, "Mail.Send", AccessSend, false, false, "Sends mail in your name to anyone, without reading your mailbox."),
	ms(resGraph, "Mail.ReadBasic.Shared", AccessRead, false, true, "Sees senders, subjects and dates in your mailbox and mailboxes others shared with you.", "Mail.ReadBasic"),
	ms(resGraph, "Mail.Read.Shared", AccessRead, false, true, "Reads every message in your mailbox and in mailboxes others shared with you.", "Mail.Read", "Mail.ReadBasic.Shared"),
	ms(resGraph, "Mail.ReadWrite.Shared", AccessWrite, false, true, "Reads, changes and deletes messages in your mailbox and mailboxes shared with you.", "Mail.ReadWrite", "Mail.Read.Shared"),
	ms(resGraph, "Mail.Send.Shared", AccessSend, false, true, "Sends mail in your name or for people who let you send for them.", "Mail.Send"),

	// Mailbox settings
	ms(resGraph, "MailboxSettings.Read", AccessRead, false, false, "Reads your mailbox settings: automatic replies, time zone, language and working hours."),
	ms(resGraph, "MailboxSettings.ReadWrite", AccessWrite, false, false, "Changes your mailbox settings, such as automatic replies and message categories.", "MailboxSettings.Read"),

	// Calendars
	// Uncertain: Calendars.ReadBasic's admin consent. One Microsoft
	// source says an administrator must approve it, the Graph permission
	// reference says not; we follow the reference (user consent).
	ms(resGraph, "Calendars.ReadBasic", AccessRead, false, false, "Sees your events' times, titles and places, but not their descriptions or attachments."),
	ms(resGraph, "Calendars.Read", AccessRead, false, false, "Reads every event in your calendars, with descriptions and attendees.", "Calendars.ReadBasic"),
	ms(resGraph, "Calendars.ReadWrite", AccessWrite, false, false, "Creates, changes and deletes events in your calendars, and reads them.", "Calendars.Read"),
	ms(resGraph, "Calendars.Read.Shared", AccessRead, false, true, "Reads events in your calendars and in calendars others shared with you.", "Calendars.Read"),
	ms(resGraph, "Calendars.ReadWrite.Shared", AccessWrite, false, true, "Creates, changes and deletes events in your calendars and calendars shared with you.", "Calendars.ReadWrite", "Calendars.Read.Shared"),

	// Contacts and people
	ms(resGraph, "Contacts.Read", AccessRead, false, false, "Reads the people saved in your address book, with their details."),
	ms(resGraph, "Contacts.ReadWrite", AccessWrite, false, false, "Adds, changes and deletes people in your address book, and reads them.", "Contacts.Read"),
	// Uncertain: that Contacts.Read.Shared gives Contacts.Read is inferred
	// from its description, not listed in the reference table.
	ms(resGraph, "Contacts.Read.Shared", AccessRead, false, true, "Reads your address book and address books others shared with you.", "Contacts.Read"),
	ms(resGraph, "Contacts.ReadWrite.Shared", AccessWrite, false, true, "Adds, changes and deletes people in your address book and shared address books.", "Contacts.ReadWrite", "Contacts.Read.Shared"),
	ms(resGraph, "People.Read", AccessRead, false, false, "Reads the list of people you deal with most, ranked by how often."),
	ms(resGraph, "People.Read.All", AccessRead, true, true, "Reads who you and your colleagues deal with most, across your organization.", "People.Read"),

	// Files
	ms(resGraph, "Files.Read", AccessRead, false, false, "Reads and downloads the files in your own OneDrive."),
	ms(resGraph, "Files.ReadWrite", AccessWrite, false, false, "Reads, uploads, changes and deletes the files in your own OneDrive.", "Files.Read"),
	ms(resGraph, "Files.Read.All", AccessRead, false, false, "Reads every file you can open, including files others shared with you.", "Files.Read"),
	ms(resGraph, "Files.ReadWrite.All", AccessWrite, false, false, "Reads, changes and deletes every file you can open, including shared files.", "Files.Read.All", "Files.ReadWrite"),
	ms(resGraph, "Files.ReadWrite.AppFolder", AccessWrite, false, false, "Reads and writes files only in a folder of its own in your OneDrive."),

	// Tasks
	ms(resGraph, "Tasks.Read", AccessRead, false, false, "Reads your to-do lists and the tasks in them."),
	ms(resGraph, "Tasks.ReadWrite", AccessWrite, false, false, "Creates, changes and deletes your to-do lists and tasks.", "Tasks.Read"),
	// Uncertain: whether personal accounts get the .Shared task scopes.
	ms(resGraph, "Tasks.Read.Shared", AccessRead, false, true, "Reads your tasks and the task lists others shared with you.", "Tasks.Read"),
	ms(resGraph, "Tasks.ReadWrite.Shared", AccessWrite, false, true, "Creates, changes and deletes your tasks and tasks in lists shared with you.", "Tasks.ReadWrite", "Tasks.Read.Shared"),

	// Notes
	ms(resGraph, "Notes.Read", AccessRead, false, false, "Reads your OneNote notebooks and the pages in them."),
	// Uncertain: Notes.Create is not in the reference table.
	ms(resGraph, "Notes.Create", AccessWrite, false, false, "Creates new OneNote notebooks and pages, without reading the ones you have."),
	ms(resGraph, "Notes.ReadWrite", AccessWrite, false, false, "Reads, changes and shares your OneNote notebooks and pages.", "Notes.Read", "Notes.Create"),
	ms(resGraph, "Notes.Read.All", AccessRead, false, false, "Reads every OneNote notebook you can open, including ones others shared.", "Notes.Read"),
	// Uncertain: Notes.ReadWrite.All is not in the reference table; its
	// consent class follows Notes.Read.All.
	ms(resGraph, "Notes.ReadWrite.All", AccessWrite, false, false, "Reads and changes every OneNote notebook you can open, including shared ones.", "Notes.ReadWrite", "Notes.Read.All"),

	// Online meetings and presence
	ms(resGraph, "OnlineMeetings.Read", AccessRead, false, true, "Reads the details of your Teams meetings, such as times and join links."),
	ms(resGraph, "OnlineMeetings.ReadWrite", AccessWrite, false, true, "Creates Teams meetings for you and reads their details.", "OnlineMeetings.Read"),
	// Uncertain: the meeting .All scopes are not in the reference table;
	// that an administrator must approve them is as we remember Graph's
	// permission reference.
	ms(resGraph, "OnlineMeetingArtifact.Read.All", AccessRead, true, true, "Reads what your Teams meetings leave behind, such as attendance reports."),
	ms(resGraph, "OnlineMeetingRecording.Read.All", AccessRead, true, true, "Watches and downloads the recordings of Teams meetings you can open."),
	ms(resGraph, "OnlineMeetingTranscript.Read.All", AccessRead, true, true, "Reads the written transcripts of Teams meetings you can open."),
	ms(resGraph, "Presence.Read", AccessRead, false, true, "Sees your Teams status: available, busy, away, and your status message."),
	ms(resGraph, "Place.Read.All", AccessRead, true, true, "Reads the meeting rooms and room lists of your organization."),

	// Chat
	ms(resGraph, "Chat.ReadBasic", AccessRead, false, true, "Sees the names and members of your Teams chats, but not the messages."),
	ms(resGraph, "Chat.Read", AccessRead, false, true, "Reads the messages in your Teams chats.", "Chat.ReadBasic"),
	ms(resGraph, "Chat.ReadWrite", AccessWrite, false, true, "Reads your Teams chats and sends messages in them as you.", "Chat.Read"),
}

// exchangeScopes are written with the global cloud's host; lookups match
// them under any host (see table.key).
var exchangeScopes = []ScopeInfo{
	ms(resExchange, "https://outlook.office.com/IMAP.AccessAsUser.All", AccessFull, false, false, "Lets a mail program read, change and delete everything in your mailbox; sending is separate."),
	ms(resExchange, "https://outlook.office.com/POP.AccessAsUser.All", AccessFull, false, false, "Lets a mail program download your messages and delete them from the server."),
	ms(resExchange, "https://outlook.office.com/SMTP.Send", AccessSend, false, false, "Lets a mail program send mail in your name."),
	// Uncertain: whether personal (Outlook.com) accounts can use EWS with
	// these tokens; we do not claim either way.
	ms(resExchange, "https://outlook.office365.com/EWS.AccessAsUser.All", AccessFull, false, false, "Full access to your whole mailbox, calendar and contacts, as if it were you."),
	// Uncertain: the outlook.office.com spelling of the EAS scope is seen
	// in others' code, not in Microsoft's documentation, and its consent
	// class is that of the Graph-listed twin.
	ms(resExchange, "https://outlook.office.com/EAS.AccessAsUser.All", AccessFull, false, false, "Lets a phone-style mail app sync your whole mailbox, calendar and contacts."),
}

// g builds a Google entry.
func g(resource, scope string, access Access, s Sensitivity, purpose string, includes ...string) ScopeInfo {
	return ScopeInfo{Provider: "google", Scope: scope, Resource: resource, Purpose: purpose, Access: access,
		Sensitivity: s, Includes: includes, Known: true}
}

const (
	gAuth     = "https://www.googleapis.com/auth/"
	resGoogle = "Google sign-in"
	resGmail  = "Gmail"
	resGCal   = "Google Calendar"
	resPeople = "Google Contacts"
	resDrive  = "Google Drive"
)

var googleScopes = []ScopeInfo{
	g(resGoogle, "openid", AccessIdentity, SensitivityNonSensitive, "Lets Latchkey sign you in with Google and confirm which account you used."),
	g(resGoogle, "email", AccessIdentity, SensitivityNonSensitive, "Shows the main email address of your Google Account to the program."),
	g(resGoogle, "profile", AccessIdentity, SensitivityNonSensitive, "Shows your name and profile picture to the program."),

	// Gmail. Uncertain: https://mail.google.com/ does not cover changing
	// Gmail settings (filters, forwarding); we list only gmail.modify as
	// included, which is what the Gmail method tables support.
	g(resGmail, "https://mail.google.com/", AccessFull, SensitivityRestricted, "Full use of your Gmail: read, send, delete forever, and mail programs (IMAP, SMTP).", gAuth+"gmail.modify"),
	g(resGmail, gAuth+"gmail.modify", AccessWrite, SensitivityRestricted, "Reads, sends, labels, archives and trashes your mail, but cannot delete it forever.",
		gAuth+"gmail.readonly", gAuth+"gmail.compose", gAuth+"gmail.labels", gAuth+"gmail.insert"),
	g(resGmail, gAuth+"gmail.readonly", AccessRead, SensitivityRestricted, "Reads all your mail, labels and settings, without changing anything.", gAuth+"gmail.metadata"),
	g(resGmail, gAuth+"gmail.metadata", AccessRead, SensitivityRestricted, "Sees senders, subjects, dates and labels of your mail, but not the messages themselves."),
	g(resGmail, gAuth+"gmail.compose", AccessWrite, SensitivityRestricted, "Writes, changes and deletes your drafts, and sends mail and drafts in your name.", gAuth+"gmail.send"),
	g(resGmail, gAuth+"gmail.send", AccessSend, SensitivitySensitive, "Sends mail in your name; cannot read or change what is in your mailbox."),
	g(resGmail, gAuth+"gmail.labels", AccessWrite, SensitivityNonSensitive, "Creates, renames and deletes your Gmail labels, without touching any message."),
	g(resGmail, gAuth+"gmail.insert", AccessWrite, SensitivityRestricted, "Puts messages into your mailbox without sending them, for example when importing mail."),
	g(resGmail, gAuth+"gmail.settings.basic", AccessWrite, SensitivityRestricted, "Changes your Gmail settings, such as filters and the vacation reply."),
	g(resGmail, gAuth+"gmail.settings.sharing", AccessWrite, SensitivityRestricted, "Changes where your mail is forwarded and which addresses you send from."),

	// Calendar. Uncertain: Google's class of the narrower calendar scopes
	// (events.readonly, events.owned, calendarlist.readonly, freebusy,
	// events.freebusy, app.created, settings.readonly) is not in its
	// public tables; the classes here are inferred. What calendar.readonly
	// includes follows the Calendar method tables.
	g(resGCal, gAuth+"calendar", AccessFull, SensitivitySensitive, "Sees, changes, shares and permanently deletes every calendar you can open.",
		gAuth+"calendar.readonly", gAuth+"calendar.events", gAuth+"calendar.app.created"),
	g(resGCal, gAuth+"calendar.readonly", AccessRead, SensitivitySensitive, "Sees and downloads every calendar you can open, without changing anything.",
		gAuth+"calendar.events.readonly", gAuth+"calendar.calendarlist.readonly", gAuth+"calendar.freebusy", gAuth+"calendar.events.freebusy", gAuth+"calendar.settings.readonly"),
	g(resGCal, gAuth+"calendar.events", AccessWrite, SensitivitySensitive, "Sees, adds, changes and deletes events on all your calendars.",
		gAuth+"calendar.events.readonly", gAuth+"calendar.events.owned"),
	g(resGCal, gAuth+"calendar.events.readonly", AccessRead, SensitivitySensitive, "Sees the events on all your calendars, without changing them."),
	g(resGCal, gAuth+"calendar.events.owned", AccessWrite, SensitivitySensitive, "Sees, adds, changes and deletes events only on calendars you own."),
	g(resGCal, gAuth+"calendar.calendarlist.readonly", AccessRead, SensitivitySensitive, "Sees the list of calendars you follow, but not their events."),
	g(resGCal, gAuth+"calendar.freebusy", AccessRead, SensitivitySensitive, "Sees only when you are free or busy, not what your events are."),
	g(resGCal, gAuth+"calendar.events.freebusy", AccessRead, SensitivitySensitive, "Sees when people on calendars you can open are free or busy."),
	g(resGCal, gAuth+"calendar.app.created", AccessWrite, SensitivityNonSensitive, "Makes new calendars of its own and manages events only on those."),
	g(resGCal, gAuth+"calendar.settings.readonly", AccessRead, SensitivitySensitive, "Sees your calendar settings, such as your time zone."),
	// Uncertain: Google's class of this Admin SDK scope is not in the
	// reference; only Workspace administrators can use it.
	g(resGCal, gAuth+"admin.directory.resource.calendar.readonly", AccessRead, SensitivitySensitive, "Sees your organization's meeting rooms and other bookable things, for its administrators."),

	// Contacts. Uncertain: the classes of contacts.other.readonly and
	// directory.readonly are inferred (sensitive).
	g(resPeople, gAuth+"contacts", AccessWrite, SensitivitySensitive, "Sees, adds, changes and permanently deletes your Google contacts.", gAuth+"contacts.readonly"),
	g(resPeople, gAuth+"contacts.readonly", AccessRead, SensitivitySensitive, "Sees and downloads your Google contacts, without changing them."),
	g(resPeople, gAuth+"contacts.other.readonly", AccessRead, SensitivitySensitive, "Sees the addresses Gmail saved for you from people you wrote to."),
	g(resPeople, gAuth+"directory.readonly", AccessRead, SensitivitySensitive, "Sees the people directory of your organization's Google Workspace."),

	// Drive (the basic scopes).
	g(resDrive, gAuth+"drive", AccessFull, SensitivityRestricted, "Sees, changes, shares and deletes every file in your Google Drive.", gAuth+"drive.readonly", gAuth+"drive.file"),
	g(resDrive, gAuth+"drive.readonly", AccessRead, SensitivityRestricted, "Sees and downloads every file in your Google Drive."),
	g(resDrive, gAuth+"drive.file", AccessWrite, SensitivityNonSensitive, "Reaches only the Drive files you open with it or it creates."),
}
