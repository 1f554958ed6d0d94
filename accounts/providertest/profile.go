package providertest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Profile endpoints: Microsoft Graph's GET /v1.0/me and the Gmail API's
// GET /gmail/v1/users/{userId}/profile, answering an access token the
// emulator issued with the documented response shapes, and its documented
// errors: 401 for a missing, unknown or expired token (and, for Graph, a
// token for another resource), 403 when the token lacks the scope.

// bearer is the token of an Authorization: Bearer header, "" if none.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// graphError is Graph's error body.
func graphError(w http.ResponseWriter, status int, code, message string) {
	writeJSONStatus(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": guid(), "client-request-id": guid()},
	}})
}

// me serves Graph's GET /v1.0/me: the signed-in user, for a Graph token
// with User.Read (or a broader User scope).
func (m *Microsoft) me(w http.ResponseWriter, r *http.Request) {
	tok := bearer(r)
	if tok == "" {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return
	}
	info, ok := m.Lookup(tok)
	switch {
	case !ok || info.Resource != "":
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).")
		return
	case !info.Valid(time.Now()):
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		return
	case !slices.ContainsFunc(info.Scopes, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "user.") }):
		graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	m.mu.Lock()
	name, oid := m.opts.Name, m.oid
	m.mu.Unlock()
	given, surname, _ := strings.Cut(name, " ")
	writeJSONStatus(w, http.StatusOK, map[string]any{
		"@odata.context": m.URL + "/v1.0/$metadata#users/$entity",
		"businessPhones": []string{}, "displayName": name, "givenName": given, "surname": surname,
		"jobTitle": nil, "mail": info.Email, "mobilePhone": nil, "officeLocation": nil,
		"preferredLanguage": "en-US", "userPrincipalName": info.Email, "id": oid,
	})
}

// gmailError is the Google APIs' error body.
func gmailError(w http.ResponseWriter, status int, message, reason, statusName string) {
	writeJSONStatus(w, status, map[string]any{"error": map[string]any{
		"code": status, "message": message, "status": statusName,
		"errors": []map[string]any{{"message": message, "domain": "global", "reason": reason}},
	}})
}

// gmailReadScopes are the scopes users.getProfile accepts.
var gmailReadScopes = []string{
	"https://mail.google.com/", "https://www.googleapis.com/auth/gmail.modify",
	"https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.compose",
	"https://www.googleapis.com/auth/gmail.metadata",
}

// profile serves the Gmail API's GET /gmail/v1/users/{userId}/profile.
func (g *Google) profile(w http.ResponseWriter, r *http.Request) {
	info, ok := g.Lookup(bearer(r))
	if !ok || !info.Valid(time.Now()) {
		gmailError(w, http.StatusUnauthorized, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "authError", "UNAUTHENTICATED")
		return
	}
	if user := r.PathValue("user"); user != "me" && !strings.EqualFold(user, info.Email) {
		gmailError(w, http.StatusForbidden, "Delegation denied for "+info.Email, "forbidden", "PERMISSION_DENIED")
		return
	}
	if !slices.ContainsFunc(info.Scopes, func(s string) bool { return slices.Contains(gmailReadScopes, s) }) {
		gmailError(w, http.StatusForbidden, "Request had insufficient authentication scopes.", "insufficientPermissions", "PERMISSION_DENIED")
		return
	}
	writeJSONStatus(w, http.StatusOK, map[string]any{
		"emailAddress": info.Email, "messagesTotal": 0, "threadsTotal": 0, "historyId": "1000",
	})
}
