package secretstore

// defaultChunkSize keeps go-keyring v0.2.8's macOS rule: it feeds
// /usr/bin/security -i the line
//
//	add-generic-password -U -s SERVICE -a ACCOUNT -w go-keyring-base64:BASE64
//
// and fails if that line exceeds 4096 bytes. 1536 bytes encode to 2048
// base64 characters (never shell-quoted), which with the fixed words leaves
// about 1990 bytes for the shell-quoted service and chunk name: enough for a
// maxKeyLen key even if every character needed quoting.
const defaultChunkSize = 1536
