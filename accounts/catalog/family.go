package catalog

// gmailProfile is the Gmail API's profile of the signed-in user.
const gmailProfile = "https://gmail.googleapis.com/gmail/v1/users/me/profile"

// ProfileURL is the address that tells who a token of family belongs to:
// Microsoft Graph's /v1.0/me in the account's cloud (graph), the Gmail
// API's profile for Google; "" where the family has none (or, for
// Microsoft, no Graph resource).
func ProfileURL(family Family, graph string) string {
	switch {
	case family == FamilyMicrosoft && graph != "":
		return graph + "/v1.0/me"
	case family == FamilyGoogle:
		return gmailProfile
	}
	return ""
}
