// Package secretstore keeps Latchkey's secrets in the OS keychain: the
// Secret Service on Linux and the BSDs, through its own D-Bus client (one
// connection and session per process, calls pipelined; items exactly as
// go-keyring writes them), and Keychain on macOS and Credential Manager on
// Windows through github.com/zalando/go-keyring. It owns three guarantees
// the rest of Latchkey relies on:
//
//   - Bounded calls. Every call returns by its context's deadline or the
//     Keyring's timeout, whichever comes first, even when the keychain hangs
//     on a locked collection. See Keyring for why a call that timed out can
//     never land over newer data.
//   - Clear failures, never a fallback. Callers branch on ErrNotFound,
//     ErrUnavailable and ErrLocked; there is no plaintext fallback, and on
//     Linux and the BSDs a missing session bus fails at once instead of
//     letting D-Bus autolaunch a bus (and daemons) that outlive the process.
//   - Secrets of any size. Windows caps a credential at 2560 bytes and macOS's
//     /usr/bin/security at about 4 KB per command line, so large values are
//     split into chunks.
//
// # Item layout
//
// An item is stored under the keychain service (New's service argument,
// "latchkey" in production) and the account name KEY. On Linux it can be
// read with `secret-tool lookup service latchkey username KEY`.
//
// A value that fits in one chunk (chunkSize bytes: 1 MiB on Linux and the
// BSDs, 2560 on Windows, 1536 on macOS) is stored as is. A larger value is
// stored as a head item KEY holding the marker
//
//	latchkey-chunks:v1:<generation>:<count>
//
// and <count> chunk items named KEY#<generation>.<i>, i = 0..count-1, whose
// concatenation is the value. A value that itself begins with
// "latchkey-chunks:" is always stored chunked, so a head is never ambiguous,
// and a key that was chunked once stays chunked (with one chunk if small)
// until it is deleted, so its generation chain is never lost.
//
// A write of generation g+1 over head g deletes the dead generation g-1,
// writes every new chunk (in ascending order), then switches the head, then
// deletes generation g and any leftover of g+1 (in descending order). A crash
// at any point leaves the head naming a complete generation, and leaves
// chunks only in generations g-1, g and g+1 of the current head, always as a
// contiguous run, which the next Set or Delete removes. Delete removes chunks
// before the head; a head whose chunks are missing can only come from an
// interrupted Delete, and reads as ErrNotFound. Keys must not contain '#'.
//
// This layout assumes one writer per key at a time; Latchkey serialises
// writers across processes with its own file lock.
//
// # What the keychain does not protect
//
// Any process running as the same user in the same desktop session can read
// Secret Service items once the collection is unlocked; on macOS, items
// created through /usr/bin/security trust that tool, so anything that can run
// it as the user can read them without a prompt. The keychain protects
// secrets at rest and from other users, not from the user's own programs.
package secretstore
