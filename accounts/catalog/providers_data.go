package catalog

import "net/url"

// The built-in providers, one row each. Client ids are not part of this
// table: none can ship with the source (see accounts' defaultClient).
var builtinProviders = []Provider{
	{
		Name:                    "microsoft",
		Title:                   "Microsoft 365 / Outlook.com",
		ShortTitle:              "Microsoft",
		Blurb:                   "Outlook.com, Hotmail and Microsoft 365 mail, calendar and contacts through Microsoft Graph",
		Summary:                 "Microsoft 365, Outlook.com: Microsoft Graph",
		Family:                  FamilyMicrosoft,
		Scopes:                  []string{"openid", "profile", "email", "offline_access", "User.Read"},
		SignInScopes:            microsoftSignInScopes,
		Resource:                "https://graph.microsoft.com",
		RedirectHost:            "localhost",
		PermissionsPage:         microsoftPermissionsPage,
		PersonalPermissionsPage: microsoftPersonalPermissionsPage,
		Console:                 microsoftConsole,
		Steps:                   microsoftSteps,
		Register:                microsoftRegister(`  3. Authentication > "Allow public client flows": Yes. No client secret is needed.`, "microsoft"),
		DefaultCapability:       CapabilityReadMail,
		Explained:               append(microsoftIdentityScopes(), graphScopes...),
		Offers:                  graphOffers,
	},
	{
		Name:                    "exchange",
		Title:                   "Exchange Online (IMAP, POP, SMTP, EWS)",
		ShortTitle:              "Exchange Online",
		SignInCompany:           "Microsoft",
		Blurb:                   "Exchange Online mailboxes for mail programs (IMAP, POP and SMTP)",
		Summary:                 "Exchange Online IMAP/POP/SMTP/EWS",
		Family:                  FamilyMicrosoft,
		Scopes:                  []string{"openid", "profile", "email", "offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"},
		SignInScopes:            microsoftSignInScopes,
		Resource:                "https://outlook.office.com",
		RedirectHost:            "localhost",
		OnPremisesResource:      true,
		PermissionsPage:         microsoftPermissionsPage,
		PersonalPermissionsPage: microsoftPersonalPermissionsPage,
		Console:                 microsoftConsole,
		Steps:                   microsoftSteps,
		Register: microsoftRegister(`  3. API permissions > Add > "APIs my organization uses" > Office 365 Exchange Online >
     Delegated: IMAP.AccessAsUser.All, SMTP.Send (and POP/EWS if you need them).`, "exchange"),
		DefaultCapability: CapabilityMailClient,
		Explained:         append(microsoftIdentityScopes(), exchangeScopes...),
		Offers:            exchangeOffers,
	},
	{
		Name:              "google",
		Title:             "Google (Gmail, Calendar, Contacts)",
		ShortTitle:        "Google",
		Blurb:             "Gmail, Google Calendar and Google Contacts",
		Summary:           "Gmail, Calendar, Contacts",
		Family:            FamilyGoogle,
		Endpoints:         googleEndpoints,
		Scopes:            []string{"openid", "email", "profile", "https://mail.google.com/"},
		SignInScopes:      []string{"openid", "email"},
		RedirectHost:      "127.0.0.1",
		AuthParams:        url.Values{"access_type": {"offline"}, "include_granted_scopes": {"true"}, "prompt": {"consent"}},
		NeedsClientSecret: true,
		PermissionsPage:   "https://myaccount.google.com/connections",
		Console:           "https://console.cloud.google.com/apis/credentials",
		Steps: []string{
			"In the Google Cloud console, enable the APIs you need (Gmail, Calendar, People).",
			"On the OAuth consent screen, add yourself as a test user or publish the app: sign-ins of apps left in Testing end after 7 days.",
			"Create an OAuth client ID of type \"Desktop app\". Desktop clients accept the loopback redirect below without entering it.",
			"Copy the client ID and client secret into the fields below.",
		},
		Register: `Create an OAuth client in the Google Cloud console (APIs & Services > Credentials):
  1. Enable the Gmail API (and Calendar/People if you need them) for the project.
  2. OAuth consent screen: add yourself as a test user, or publish the app
     (apps left in "Testing" lose their sign-ins after 7 days).
  3. Create credentials > OAuth client ID > Application type "Desktop app".
     Desktop clients accept any loopback redirect; nothing to enter.
  4. Copy the client ID and client secret (the secret of a desktop client is
     not confidential, but Google requires it) and either pass them:
       latchkey connect google --client-id <client ID> --client-secret <client secret>
     or keep them in %s:
       [providers.google]
       client_id = "<client ID>"
       client_secret = "<client secret>"`,
		DefaultCapability: CapabilityReadMail,
		Explained:         googleScopes,
		Offers:            googleOffers,
	},
}

// Google's public endpoints for installed apps.
var googleEndpoints = Endpoints{
	Auth:   "https://accounts.google.com/o/oauth2/v2/auth",
	Token:  "https://oauth2.googleapis.com/token",
	Revoke: "https://oauth2.googleapis.com/revoke",
	Issuer: "https://accounts.google.com",
}

// microsoftSignInScopes give who you are and a refresh token.
var microsoftSignInScopes = []string{"openid", "profile", "email", "offline_access"}

// Microsoft's pages where people see and remove the apps they gave access
// to: My Apps for work and school accounts, the consent page for personal
// ones.
const (
	microsoftPermissionsPage         = "https://myapps.microsoft.com"
	microsoftPersonalPermissionsPage = "https://account.live.com/consent/Manage"
)

// microsoftConsole is the Microsoft Entra admin center's app registrations.
const microsoftConsole = "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade"

// microsoftSteps are the wizard's steps to register an app at Microsoft.
var microsoftSteps = []string{
	"In the Microsoft Entra admin center, choose App registrations, then New registration.",
	"Under Supported account types, choose accounts in any organization and personal Microsoft accounts.",
	"Add the platform \"Mobile and desktop applications\" with the redirect URI below, and allow public client flows.",
	"Copy the Application (client) ID into the field below.",
}

// microsoftRegister is the command's registration help for a Microsoft
// provider called name, whose third step is step3.
func microsoftRegister(step3, name string) string {
	return `Register an app in the Microsoft Entra admin center (App registrations > New registration):
  1. Supported account types: "Accounts in any organizational directory and personal Microsoft accounts".
  2. Authentication > Add a platform > "Mobile and desktop applications", redirect URI:
       http://localhost
` + step3 + `
  4. Copy the "Application (client) ID" and either pass it:
       latchkey connect ` + name + ` --client-id <Application (client) ID>
     or keep it in %s:
       [providers.` + name + `]
       client_id = "<Application (client) ID>"`
}
