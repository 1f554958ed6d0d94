package secretstore

// defaultChunkSize is Credential Manager's CRED_MAX_CREDENTIAL_BLOB_SIZE,
// exactly go-keyring v0.2.8's rule (Set fails when len(password) > 2560).
const defaultChunkSize = 2560
