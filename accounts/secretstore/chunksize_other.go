//go:build !windows && !darwin

package secretstore

// defaultChunkSize is large on the Secret Service, which has no practical
// item limit: Latchkey's items stay single, and readable with
// `secret-tool lookup service latchkey username KEY`.
const defaultChunkSize = 1 << 20
