// The example runs against the world TestMain builds on Linux.

package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

// A Go program gets a fresh access token for an account the person
// connected with `latchkey connect`: one call, with the command's lock,
// refresh and errors, recorded in the access log.
func ExampleToken() {
	ctx := context.Background()
	tok, err := accounts.Token(ctx, "alice@example.test")
	var reconnect *accounts.ReconnectError
	switch {
	case errors.As(err, &reconnect):
		fmt.Println("sign in again with `latchkey connect`:", reconnect.Reason)
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	// Use it: req.Header.Set("Authorization", "Bearer "+tok.Token),
	// or tok.XOAUTH2() to log in to IMAP or SMTP.
	fmt.Println(tok.Email, tok.TokenType, tok.Expiry.After(time.Now()))
	// Output: alice@example.test Bearer true
}
