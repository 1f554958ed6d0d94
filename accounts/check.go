package accounts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// The parts `latchkey check` tries, in order.
const (
	CheckIMAP    = "imap"
	CheckSMTP    = "smtp"
	CheckProfile = "profile"
)

// What came of one part.
const (
	CheckOK      = "ok"
	CheckFailed  = "failed"
	CheckSkipped = "skipped" // nothing to try: said why, not a failure
)

// DefaultCheckTimeout bounds each part of a check when CheckOptions.Timeout
// is zero: getting its token, connecting, TLS and the login.
const DefaultCheckTimeout = 20 * time.Second

// CheckResult is the outcome of one part of a check.
type CheckResult struct {
	// Part is CheckIMAP, CheckSMTP or CheckProfile.
	Part string `json:"part"`
	// Target is the server (HOST:PORT) or URL tried, "" when unknown.
	Target string `json:"target,omitempty"`
	// Status is CheckOK, CheckFailed or CheckSkipped.
	Status string `json:"status"`
	// Detail says in plain words what happened.
	Detail string `json:"detail"`
	// Hint says what to do about a failure, "" when nothing.
	Hint string `json:"hint,omitempty"`
	// Seconds is how long the part took.
	Seconds float64 `json:"seconds"`
	// Err is the failure, for a front end to classify; nil otherwise.
	Err error `json:"-"`
}

// CheckReport is what a check found.
type CheckReport struct {
	Account string        `json:"account"`
	Email   string        `json:"email"`
	OK      bool          `json:"ok"`
	Results []CheckResult `json:"results"`
}

// CheckOptions tune a check.
type CheckOptions struct {
	// IMAPHost and SMTPHost (HOST[:PORT]) override the account's servers.
	IMAPHost, SMTPHost string
	// Timeout bounds each part; zero means DefaultCheckTimeout.
	Timeout time.Duration
	// OnStart is told, before a part is tried, what it tries: for
	// progress lines while waiting.
	OnStart func(part, target string)
	// OnResult is told each part's outcome as it comes.
	OnResult func(CheckResult)
}

// Check logs in to the account's IMAP and SMTP servers with XOAUTH2 and a
// valid token, and reads the account's profile (Microsoft Graph's /me, the
// Gmail API's profile) with its default token, and says which part works
// and which does not, and why. No mail is read or sent. It fails only
// when the account cannot be found or its settings cannot be read; a part
// that fails is a result, and the report is not OK.
func (s *Service) Check(ctx context.Context, account string, opts CheckOptions) (*CheckReport, error) {
	m, err := s.MailSettings(ctx, account, opts.IMAPHost, opts.SMTPHost)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(s.dir)
	if err != nil {
		return nil, err
	}
	r, err := findRecord(s.dir, m.Account)
	if err != nil {
		return nil, err
	}
	// Graph's /me wants User.Read, whatever the account's default
	// resource: ask for that scope's token where the account has it.
	graph := ""
	if r.Family == catalog.FamilyMicrosoft && covers(append(slices.Clone(r.Requested), r.Scopes...), []string{graphProfileScope}, r.Graph) {
		graph = r.Graph
	}
	timeout := cmp.Or(opts.Timeout, DefaultCheckTimeout)
	rep := &CheckReport{Account: m.Account, Email: m.Email, OK: true}
	var mailTok *AccessToken
	var mailErr error
	mailToken := func(ctx context.Context) (*AccessToken, error) {
		if mailTok == nil && mailErr == nil {
			mailTok, mailErr = s.TokenFor(ctx, m.Account, TokenRequest{Mail: true, Format: "check"})
		}
		return mailTok, mailErr
	}
	for _, part := range []string{CheckIMAP, CheckSMTP, CheckProfile} {
		var res CheckResult
		start := time.Now()
		pctx, cancel := context.WithTimeout(ctx, timeout)
		switch part {
		case CheckIMAP:
			res = s.checkMail(pctx, m, CheckIMAP, m.IMAP, m.IMAPGranted, m.IMAPScope, mailToken, opts.OnStart, timeout)
		case CheckSMTP:
			res = s.checkMail(pctx, m, CheckSMTP, m.SMTP, m.SMTPGranted, m.SMTPScope, mailToken, opts.OnStart, timeout)
		case CheckProfile:
			res = s.checkProfile(pctx, m, graph, cfg.Providers[m.Provider].ProfileURL, opts.OnStart, timeout)
		}
		cancel()
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		res.Part = part
		res.Seconds = time.Since(start).Round(time.Millisecond).Seconds()
		if res.Status == CheckFailed {
			rep.OK = false
		}
		rep.Results = append(rep.Results, res)
		if opts.OnResult != nil {
			opts.OnResult(res)
		}
	}
	return rep, nil
}

// checkMail is the IMAP or SMTP part.
func (s *Service) checkMail(ctx context.Context, m *MailSettings, part string, srv MailServer, granted bool, scope string,
	token func(context.Context) (*AccessToken, error), onStart func(part, target string), timeout time.Duration) CheckResult {
	name, flag := strings.ToUpper(part), "--"+part+"-host"
	if srv.Host == "" {
		return CheckResult{Status: CheckSkipped,
			Detail: "Latchkey does not know this account's " + name + " server (" + m.unknownVia + ")",
			Hint:   "name it with " + flag + " HOST[:PORT], or " + part + "_host in the provider's table of config.toml"}
	}
	target := srv.String()
	if !granted {
		add := "--allow mail-client"
		if m.Family == catalog.FamilyMicrosoft {
			// Microsoft's Graph provider offers no mail-client capability:
			// the scope itself is added.
			add = "--scope " + scope
		}
		return CheckResult{Target: target, Status: CheckFailed,
			Detail: "the account was not given the permission to use " + name + " (" + scope + "), so the server would refuse its token",
			Hint:   fmt.Sprintf("add it with `latchkey grant %s %s`", m.Account, add)}
	}
	if onStart != nil {
		onStart(part, target)
	}
	tok, err := token(ctx)
	if err != nil {
		return CheckResult{Target: target, Status: CheckFailed, Err: err,
			Detail: "no token for the mail servers: " + err.Error()}
	}
	t := *tok
	t.Mailbox = m.Mailbox
	login := imapLogin
	if part == CheckSMTP {
		login = smtpLogin
	}
	err = login(ctx, srv, t.XOAUTH2())
	var refused *loginError
	switch {
	case err == nil:
		return CheckResult{Target: target, Status: CheckOK, Detail: "logged in as " + t.saslUser() + " with XOAUTH2"}
	case errors.As(err, &refused):
		return CheckResult{Target: target, Status: CheckFailed, Err: err,
			Detail: target + " refused the token: " + refused.Said, Hint: loginHint(m, part)}
	}
	hint := "check the network, a firewall or proxy in between, and the server's name and port (" + flag + ")"
	return CheckResult{Target: target, Status: CheckFailed, Err: err,
		Detail: connProblem(target, timeout, err), Hint: hint}
}

// loginHint says what usually makes a mail server refuse a valid token.
func loginHint(m *MailSettings, part string) string {
	switch {
	case m.Family == catalog.FamilyMicrosoft && part == CheckIMAP:
		return "Exchange Online refuses it when IMAP is turned off for the mailbox: ask an administrator to turn it on " +
			"(Set-CASMailbox -ImapEnabled $true); if it was just connected, wait a few minutes, as a new permission takes a while to reach the mail servers"
	case m.Family == catalog.FamilyMicrosoft:
		return "Exchange Online refuses it when SMTP AUTH is turned off for the mailbox or the organization (it is by default): ask an administrator to turn it on " +
			"(Set-CASMailbox -SmtpClientAuthenticationDisabled $false)"
	case m.Family == catalog.FamilyGoogle:
		return "check that the account may use Gmail over " + strings.ToUpper(part) + " (a Google Workspace administrator can turn it off), " +
			"and connect again with `latchkey connect google` if it keeps failing"
	}
	return "check that this server accepts XOAUTH2 tokens from this provider"
}

// maxProfile bounds the profile answer read.
const maxProfile = 64 << 10

// graphProfileScope is what Graph's /me asks of a token.
const graphProfileScope = "User.Read"

// checkProfile is the profile part: Graph's /me with a User.Read token
// (graph is the account's Graph resource, "" when it has no User.Read),
// or the Gmail profile with the default token; configured (profile_url)
// replaces the address.
func (s *Service) checkProfile(ctx context.Context, m *MailSettings, graph, configured string, onStart func(part, target string), timeout time.Duration) CheckResult {
	target, scopes, skipped := profileTarget(m, graph, configured)
	if skipped != nil {
		return *skipped
	}
	if err := checkEndpoint("profile_url", target); err != nil {
		return CheckResult{Target: target, Status: CheckFailed, Err: fmt.Errorf("%w: %v", ErrConfig, err), Detail: err.Error()}
	}
	if onStart != nil {
		onStart(CheckProfile, target)
	}
	tok, err := s.TokenFor(ctx, m.Account, TokenRequest{Scopes: scopes, Format: "check"})
	if err != nil {
		return CheckResult{Target: target, Status: CheckFailed, Err: err, Detail: "no token: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return CheckResult{Target: target, Status: CheckFailed, Err: err, Detail: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return CheckResult{Target: target, Status: CheckFailed, Err: err, Detail: connProblem(req.URL.Host, timeout, err),
			Hint: "check the network connection, or a proxy in between"}
	}
	defer resp.Body.Close()
	return profileAnswer(m, target, resp)
}

// profileTarget is the profile address to read for m and the scopes its
// token needs, or the result of a check that has nothing to read.
func profileTarget(m *MailSettings, graph, configured string) (target string, scopes []string, skipped *CheckResult) {
	target = configured
	switch {
	case m.Family == catalog.FamilyMicrosoft && graph == "":
		return "", nil, &CheckResult{Status: CheckSkipped,
			Detail: "the account was not given Microsoft Graph's User.Read, so there is no profile to read (mail does not need it)"}
	case m.Family == catalog.FamilyMicrosoft:
		scopes = []string{graphProfileScope}
		target = cmp.Or(target, catalog.ProfileURL(m.Family, graph))
	case target != "":
	case m.Family == catalog.FamilyGoogle:
		target = catalog.ProfileURL(m.Family, "")
	default:
		return "", nil, &CheckResult{Status: CheckSkipped,
			Detail: "Latchkey knows no profile endpoint of this provider",
			Hint:   "name one with profile_url in the provider's table of config.toml"}
	}
	return target, scopes, nil
}

// profileAnswer is the result of the profile endpoint's answer resp.
func profileAnswer(m *MailSettings, target string, resp *http.Response) CheckResult {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProfile))
	var v struct {
		Mail              string `json:"mail"`
		UserPrincipalName string `json:"userPrincipalName"`
		EmailAddress      string `json:"emailAddress"`
		Error             struct {
			Code    any    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &v)
	if resp.StatusCode == http.StatusOK {
		who := cmp.Or(v.EmailAddress, v.Mail, v.UserPrincipalName)
		if who == "" {
			return CheckResult{Target: target, Status: CheckOK, Detail: "answered with the profile"}
		}
		return CheckResult{Target: target, Status: CheckOK, Detail: "answered for " + serverText(who)}
	}
	said := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if v.Error.Message != "" {
		said += ": " + serverText(fmt.Sprint(cmp.Or(v.Error.Status, fmt.Sprint(v.Error.Code)))+" "+v.Error.Message)
	}
	res := CheckResult{Target: target, Status: CheckFailed, Err: errors.New(said), Detail: "the profile endpoint refused the token (" + said + ")"}
	switch {
	case resp.StatusCode == http.StatusForbidden && m.Family == catalog.FamilyGoogle:
		res.Hint = fmt.Sprintf("the token lacks a Gmail scope: add one with `latchkey grant %s --allow read-mail`", m.Account)
	case resp.StatusCode == http.StatusForbidden:
		res.Hint = fmt.Sprintf("the token lacks User.Read: add it with `latchkey grant %s --scope User.Read`", m.Account)
	case resp.StatusCode == http.StatusUnauthorized:
		res.Hint = fmt.Sprintf("the sign-in may have been revoked at the provider: connect again with `latchkey connect %s`", m.Provider)
	default:
		res.Hint = "the provider may be having trouble; try again later"
	}
	return res
}
