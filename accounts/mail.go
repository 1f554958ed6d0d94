package accounts

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// MailServer is one server a mail program talks to.
type MailServer struct {
	// Host is the server's DNS name.
	Host string
	// Port is its TCP port.
	Port int
	// StartTLS is true where the connection starts in plain text and is
	// upgraded (SMTP submission on 587); false means TLS from the start.
	StartTLS bool
}

// String is HOST:PORT.
func (m MailServer) String() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// MailSettings are what a mail program needs to use an account over IMAP
// and SMTP with OAuth: the servers, and the scope to ask for each.
type MailSettings struct {
	// Account is the account's ID, provider:email.
	Account string
	// Email is the address a mail program logs in as.
	Email string
	// Mailbox is a shared mailbox the configuration opens instead, with
	// the account's token (set by the front end after AddSharedMailbox).
	Mailbox string
	// Provider is the provider's name (microsoft, exchange, google...).
	Provider string
	// Family is the provider's kind, which decides the servers.
	Family catalog.Family
	// Cloud is the Microsoft cloud (global, usgov, usgov-dod, china), "" elsewhere.
	Cloud string
	// IMAP and SMTP are the servers to read and to send mail through.
	IMAP, SMTP MailServer
	// POP is the POP3 server (TLS from the start), for the proxy.
	POP MailServer
	// IMAPScope and SMTPScope are the scopes of a token the servers
	// accept ("" where the account's default token does).
	IMAPScope, SMTPScope string
	// Granted tells whether the account holds each scope.
	IMAPGranted, SMTPGranted bool
	// Graph is the Microsoft Graph resource when the account's default
	// token is for Graph, "" otherwise.
	Graph string
	// Uncertain says why these hosts may be wrong, "" where they are
	// the provider's documented ones.
	Uncertain string
	// Folders are the provider's special folders, as its IMAP server
	// names them.
	Folders MailFolders
	// unknownVia names what the account is connected through when
	// Latchkey does not know its servers.
	unknownVia string
}

// Need fails with ErrNoMailServers, saying which flag names the server,
// when the IMAP (or SMTP) server is needed and unknown.
func (m *MailSettings) Need(imap, smtp bool) error {
	var missing []string
	if imap && m.IMAP.Host == "" {
		missing = append(missing, "IMAP server (--imap-host HOST[:PORT])")
	}
	if smtp && m.SMTP.Host == "" {
		missing = append(missing, "SMTP server (--smtp-host HOST[:PORT])")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s is connected through %s, whose mail servers Latchkey does not know; name its %s: %w",
		m.Account, m.unknownVia, strings.Join(missing, " and "), ErrNoMailServers)
}

// mailHosts are the mail servers of each provider family and Microsoft
// cloud, as data.
var mailHosts = []struct {
	family    catalog.Family
	cloud     string
	imap      MailServer
	smtp      MailServer
	pop       MailServer
	uncertain string
}{
	{catalog.FamilyMicrosoft, "global", MailServer{"outlook.office365.com", 993, false}, MailServer{"smtp.office365.com", 587, true},
		MailServer{"outlook.office365.com", 995, false}, ""},
	// GCC High: Exchange Online's own hosts under office365.us.
	{catalog.FamilyMicrosoft, "usgov", MailServer{"outlook.office365.us", 993, false}, MailServer{"smtp.office365.us", 587, true},
		MailServer{"outlook.office365.us", 995, false},
		"the US Government (GCC High) mail hosts are not confirmed against Microsoft's documentation; check them with your administrator"},
	// DoD: by analogy with its outlook-dod resource; unconfirmed.
	{catalog.FamilyMicrosoft, "usgov-dod", MailServer{"outlook-dod.office365.us", 993, false}, MailServer{"smtp-dod.office365.us", 587, true},
		MailServer{"outlook-dod.office365.us", 995, false},
		"the US Government DoD mail hosts are not confirmed against Microsoft's documentation; check them with your administrator"},
	// Microsoft 365 operated by 21Vianet.
	{catalog.FamilyMicrosoft, "china", MailServer{"partner.outlook.cn", 993, false}, MailServer{"smtp.partner.outlook.cn", 587, true},
		MailServer{"partner.outlook.cn", 995, false},
		"the China (21Vianet) mail hosts are not confirmed against Microsoft's documentation; check them with your administrator"},
	{catalog.FamilyGoogle, "", MailServer{"imap.gmail.com", 993, false}, MailServer{"smtp.gmail.com", 587, true},
		MailServer{"pop.gmail.com", 995, false}, ""},
}

// MailFolders are the special folders of a provider's mailboxes, as its
// IMAP server names them, and how it treats sent mail. Mail clients are
// told these names: a client left with its own defaults ("Sent") creates
// folders the provider's other apps never show.
type MailFolders struct {
	// Sent, Drafts, Trash, Junk and Archive are the folders' IMAP names.
	Sent, Drafts, Trash, Junk, Archive string
	// ServerFilesSent is true where the provider's SMTP server itself
	// puts a copy of every message sent through it in Sent: a client must
	// not copy it there too, or each message is filed twice.
	ServerFilesSent bool
	// SkipSync names a folder that only repeats the others' messages
	// (Gmail's All Mail holds every message under each of its labels):
	// programs that copy whole mailboxes to disk leave it out.
	SkipSync string
}

// mailFolders are the special folders of each provider family, as data;
// defaultMailFolders serves a provider Latchkey knows nothing about, with
// the names most servers use (RFC 6154's examples).
var (
	mailFolders = map[catalog.Family]MailFolders{
		// Exchange Online and Outlook.com, every cloud (Exchange Server
		// on premises names them the same in English).
		catalog.FamilyMicrosoft: {Sent: "Sent Items", Drafts: "Drafts", Trash: "Deleted Items", Junk: "Junk Email", Archive: "Archive"},
		// Gmail files every message sent through smtp.gmail.com in Sent
		// Mail by itself.
		catalog.FamilyGoogle: {Sent: "[Gmail]/Sent Mail", Drafts: "[Gmail]/Drafts", Trash: "[Gmail]/Trash", Junk: "[Gmail]/Spam",
			Archive: "[Gmail]/All Mail", ServerFilesSent: true, SkipSync: "[Gmail]/All Mail"},
	}
	defaultMailFolders = MailFolders{Sent: "Sent", Drafts: "Drafts", Trash: "Trash", Junk: "Junk", Archive: "Archive"}
)

// FoldersOf returns the special folders of a provider family's mailboxes.
func FoldersOf(f catalog.Family) MailFolders {
	if m, ok := mailFolders[f]; ok {
		return m
	}
	return defaultMailFolders
}

// googleMailScope is the one scope Gmail's IMAP and SMTP servers accept.
const googleMailScope = "https://mail.google.com/"

// MailSettings returns the IMAP and SMTP settings of an account; imap
// and smtp (HOST[:PORT]) override the servers. Where Latchkey does not
// know them (a generic OpenID provider, Exchange Server on premises) and
// they are not given, the hosts are empty: see Need.
func (s *Service) MailSettings(ctx context.Context, account, imap, smtp string) (*MailSettings, error) {
	r, err := findRecord(s.dir, account)
	if err != nil {
		return nil, err
	}
	m := &MailSettings{Account: r.ID, Email: r.Email, Provider: r.Provider, Family: r.Family, Folders: FoldersOf(r.Family)}
	// config.toml may name the servers (it is read only when trusted:
	// another user cannot point the account's mail elsewhere).
	cfg, err := LoadConfig(s.dir)
	if err != nil {
		return nil, err
	}
	imap, smtp = cmp.Or(imap, cfg.Providers[r.Provider].IMAPHost), cmp.Or(smtp, cfg.Providers[r.Provider].SMTPHost)
	known := false
	custom := r.Family == catalog.FamilyMicrosoft && r.Resource != r.Graph && r.Resource != catalog.CloudByGraph(r.Graph).Outlook
	if r.Family == catalog.FamilyMicrosoft {
		if name, ok := catalog.CloudNameByGraph(r.Graph); ok {
			m.Cloud = name
		}
	}
	for _, h := range mailHosts {
		if h.family == r.Family && h.cloud == m.Cloud && !custom {
			m.IMAP, m.SMTP, m.POP, m.Uncertain, known = h.imap, h.smtp, h.pop, h.uncertain, true
		}
	}
	if imap != "" {
		if m.IMAP, err = parseMailServer("--imap-host", imap, MailServer{Port: 993}); err != nil {
			return nil, err
		}
	}
	if smtp != "" {
		if m.SMTP, err = parseMailServer("--smtp-host", smtp, MailServer{Port: 587, StartTLS: true}); err != nil {
			return nil, err
		}
	}
	if imap != "" || smtp != "" {
		m.Uncertain = ""
	}
	if !known {
		m.unknownVia = "a generic OpenID Connect provider"
		if custom {
			m.unknownVia = "Exchange Server on premises (a custom resource)"
		}
	}
	if r.Family == catalog.FamilyMicrosoft && r.Resource == r.Graph {
		m.Graph = r.Graph
	}
	r.mailGrants(m, custom)
	return m, nil
}

// ParseMailServer reads HOST[:PORT] given with flag into a server with
// def's port; a port other than 993 and 465 means STARTTLS.
func ParseMailServer(flag, v string, def MailServer) (MailServer, error) {
	return parseMailServer(flag, v, def)
}

// parseMailServer reads [SCHEME://]HOST[:PORT] into a server with def's
// port and TLS. A port of 993 or 465 means TLS from the start, any other
// STARTTLS, unless the scheme says: imaps:// or smtps:// for TLS from the
// start, imap:// or smtp:// for STARTTLS.
func parseMailServer(flag, v string, def MailServer) (MailServer, error) {
	m := def
	scheme, rest, hasScheme := strings.Cut(v, "://")
	if hasScheme {
		if scheme != "imap" && scheme != "imaps" && scheme != "smtp" && scheme != "smtps" {
			return m, fmt.Errorf("%w: %s %q: the scheme may be imaps:// or smtps:// (TLS from the start) or imap:// or smtp:// (STARTTLS)", ErrUsage, flag, v)
		}
		v = rest
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		host, port = v, ""
	}
	if host == "" || strings.ContainsAny(host, " \t\"'\\/@") {
		return m, fmt.Errorf("%w: %s %q: give a host name, optionally with :PORT", ErrUsage, flag, v)
	}
	m.Host = host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p <= 0 || p > 65535 {
			return m, fmt.Errorf("%w: %s %q: the port must be a number from 1 to 65535", ErrUsage, flag, v)
		}
		m.Port = p
		// Implicit TLS on the well-known TLS ports, STARTTLS elsewhere.
		m.StartTLS = p != 993 && p != 465
	}
	if hasScheme {
		m.StartTLS = !strings.HasSuffix(scheme, "s")
	}
	return m, nil
}
