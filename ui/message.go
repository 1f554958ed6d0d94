package ui

import (
	"encoding/json"

	"github.com/latchkey/latchkey/accounts"
)

// Message is one line between the tray process and the window process (see
// TrayApp and WindowProcess), as JSON. It carries account IDs and plain
// words, never a token.
type Message struct {
	// Kind says what is asked or told. From the tray: kindShow (the
	// accounts window, on Account if set), kindConnect, kindReconnect
	// (Account), kindReload, kindRenew (Account's last renewal failed
	// because of Text, or succeeded when Text is ""). From the window
	// process: kindSigningIn (On), kindHidden (Seq), kindQuit. And
	// kindNotify (Title, Text), where the tray has no notification
	// service of its own: the window process sends it through Fyne.
	Kind    string `json:"kind"`
	Account string `json:"account,omitempty"`
	Title   string `json:"title,omitempty"`
	Text    string `json:"text,omitempty"`
	On      bool   `json:"on,omitempty"`
	// Seq is, with kindHidden, how many requests that open a window the
	// window process had handled when its last window was hidden: the tray
	// ends the process only if it sent none since, so a request crossing
	// the report is not lost.
	Seq int `json:"seq,omitempty"`
	// Approval is, with kindApprove (from the tray to a prompt process),
	// the request to ask the person about; Decision, with kindAnswer (from
	// the prompt process), their answer.
	Approval *accounts.ApprovalRequest `json:"approval,omitempty"`
	Decision accounts.Decision         `json:"decision,omitempty"`
}

const (
	kindShow      = "show"
	kindConnect   = "connect"
	kindReconnect = "reconnect"
	kindReload    = "reload"
	kindRenew     = "renew"
	kindNotify    = "notify"
	kindSigningIn = "signing-in"
	kindHidden    = "hidden"
	kindQuit      = "quit"
	kindApprove   = "approve"
	kindAnswer    = "answer"
)

// opensWindow reports whether m asks the window process to show a window.
func (m Message) opensWindow() bool {
	return m.Kind == kindShow || m.Kind == kindConnect || m.Kind == kindReconnect
}

// encode is m as one line of JSON (encoding/json escapes newlines).
func (m Message) encode() []byte {
	b, _ := json.Marshal(m) // a struct of strings, ints and bools always encodes
	return b
}

func decodeMessage(line []byte) (Message, error) {
	var m Message
	err := json.Unmarshal(line, &m)
	return m, err
}
