package session

import "errors"

// Action is a button on a notification.
type Action struct {
	// Key names the action on the wire; it must be unique in one notification.
	Key string
	// Label is the button's text.
	Label string
	// Run runs on its own goroutine when the person presses the button.
	Run func()
}

// Notification is one desktop notification.
type Notification struct {
	// AppName and Icon name the sender (Icon: an icon name or file path).
	AppName, Icon string
	// Title and Body are what the person reads.
	Title, Body string
	// Actions are buttons; servers without action support show none.
	Actions []Action
}

// ErrNoNotifications means this desktop offers no notification service
// with actions that this package can use: fall back to the toolkit's plain
// notifications.
var ErrNoNotifications = errors.New("no desktop notification service with actions")
