package secretstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// markerPrefix starts every chunked head; see the package doc for the layout.
const (
	markerPrefix  = "latchkey-chunks:"
	markerVersion = "v1"
	// maxChunks bounds what a corrupt or hostile head can make us read.
	maxChunks = 1 << 16
)

// head is what the item KEY says.
type head struct {
	exists  bool
	chunked bool
	gen     uint64 // 0 when not chunked
	count   int
	raw     string // the value when not chunked
}

func chunkName(key string, gen uint64, i int) string {
	return key + "#" + strconv.FormatUint(gen, 10) + "." + strconv.Itoa(i)
}

func marker(gen uint64, count int) string {
	return markerPrefix + markerVersion + ":" + strconv.FormatUint(gen, 10) + ":" + strconv.Itoa(count)
}

// parseMarker reads a chunked head. Errors never quote the value, which
// might be a secret that merely looks like a marker.
func parseMarker(v string) (gen uint64, count int, err error) {
	rest, ok := strings.CutPrefix(v, markerPrefix+markerVersion+":")
	if !ok {
		return 0, 0, errors.New("the item is in an unknown chunk format (written by a newer Latchkey?)")
	}
	g, c, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, 0, errors.New("the item's chunk header is malformed")
	}
	gen, err1 := strconv.ParseUint(g, 10, 64)
	count, err2 := strconv.Atoi(c)
	if err1 != nil || err2 != nil || gen == 0 || count < 1 || count > maxChunks {
		return 0, 0, errors.New("the item's chunk header is malformed")
	}
	return gen, count, nil
}

func (k *Keyring) readHead(ctx context.Context, key string) (head, error) {
	h, err := k.readHeadOnce(ctx, key)
	if err == nil {
		jobLookups(ctx).setHead(k.service, key, h)
	}
	return h, err
}

func (k *Keyring) readHeadOnce(ctx context.Context, key string) (head, error) {
	v, err := k.store.Get(ctx, k.service, key)
	if errors.Is(err, ErrNotFound) {
		return head{}, nil
	}
	if err != nil {
		return head{}, err
	}
	return parseHead(v)
}

// knownHead is the head of key as the job (or the lookups it shares) last
// saw or wrote it.
func (k *Keyring) knownHead(ctx context.Context, key string) (head, bool) {
	return jobLookups(ctx).head(k.service, key)
}

// readHeads reads the heads of keys in one backend call where it can.
// With known, heads the job already knows are not read again: a writer
// needs only their shape, not their value.
func (k *Keyring) readHeads(ctx context.Context, keys []string, known bool) ([]head, error) {
	heads := make([]head, len(keys))
	var unread []string
	var at []int
	for i, key := range keys {
		if h, ok := k.knownHead(ctx, key); known && ok {
			heads[i] = h
			continue
		}
		unread, at = append(unread, key), append(at, i)
	}
	if len(unread) == 0 {
		return heads, nil
	}
	m, ok := k.store.(multiGetter)
	if !ok {
		for j, key := range unread {
			h, err := k.readHead(ctx, key)
			if err != nil {
				return nil, err
			}
			heads[at[j]] = h
		}
		return heads, nil
	}
	values, err := m.getMany(ctx, k.service, unread...)
	if err != nil {
		return nil, err
	}
	for j, key := range unread {
		var h head
		if v, ok := values[key]; ok {
			if h, err = parseHead(v); err != nil {
				return nil, err
			}
		}
		heads[at[j]] = h
		jobLookups(ctx).setHead(k.service, key, h)
	}
	return heads, nil
}

func parseHead(v string) (head, error) {
	if !strings.HasPrefix(v, markerPrefix) {
		return head{exists: true, raw: v}, nil
	}
	gen, count, err := parseMarker(v)
	if err != nil {
		return head{}, err
	}
	return head{exists: true, chunked: true, gen: gen, count: count}, nil
}

func (k *Keyring) read(ctx context.Context, key string) ([]byte, error) {
	h, err := k.readHead(ctx, key)
	if err != nil {
		return nil, err
	}
	return k.readValue(ctx, key, h)
}

// readValue is the value whose head is h: the head itself, or its chunks.
func (k *Keyring) readValue(ctx context.Context, key string, h head) ([]byte, error) {
	if !h.exists {
		return nil, ErrNotFound
	}
	if !h.chunked {
		return []byte(h.raw), nil
	}
	var b strings.Builder
	for i := range h.count {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part, err := k.store.Get(ctx, k.service, chunkName(key, h.gen, i))
		if errors.Is(err, ErrNotFound) {
			// Chunks are written before their head and deleted before it,
			// so only an interrupted Delete leaves a head without them.
			return nil, fmt.Errorf("%w (chunk %d of %d is missing: a delete was interrupted)", ErrNotFound, i+1, h.count)
		}
		if err != nil {
			return nil, err
		}
		b.WriteString(part)
	}
	return []byte(b.String()), nil
}

func split(secret []byte, size int) []string {
	parts := make([]string, 0, len(secret)/size+1)
	for len(secret) > size {
		parts = append(parts, string(secret[:size]))
		secret = secret[size:]
	}
	return append(parts, string(secret))
}

// prefetchForWrite looks up, in one backend call where it can, what writes
// of keys will look at: each head, and where an interrupted first chunked
// write would have left chunks.
func (k *Keyring) prefetchForWrite(ctx context.Context, keys ...string) error {
	p, ok := k.store.(prefetcher)
	if !ok {
		return nil
	}
	names := make([]string, 0, 2*len(keys))
	for _, key := range keys {
		names = append(names, key, chunkName(key, 1, 0))
	}
	return p.prefetch(ctx, k.service, names...)
}

func (k *Keyring) write(ctx context.Context, key string, secret []byte) error {
	if err := k.prefetchForWrite(ctx, key); err != nil {
		return err
	}
	heads, err := k.readHeads(ctx, []string{key}, true)
	if err != nil {
		return err
	}
	return k.writeOver(ctx, key, heads[0], secret)
}

// writeOver writes secret under key, whose current head is h, and notes
// the new head; after a failure the head is unknown.
func (k *Keyring) writeOver(ctx context.Context, key string, h head, secret []byte) error {
	l := jobLookups(ctx)
	l.forgetHead(k.service, key)
	nh, err := k.writeHead(ctx, key, h, secret)
	if err == nil {
		l.setHead(k.service, key, nh)
	}
	return err
}

func (k *Keyring) writeHead(ctx context.Context, key string, h head, secret []byte) (head, error) {
	chunked := h.chunked || len(secret) > k.chunkSize || strings.HasPrefix(string(secret), markerPrefix)
	if !chunked {
		if err := k.store.Set(ctx, k.service, key, string(secret)); err != nil {
			return head{}, err
		}
		// The head is raw (generation 0), so leftovers of an interrupted
		// chunked write can only be in generation 1.
		_ = k.deleteChunks(ctx, key, 1, 0, 0)
		return head{exists: true}, nil
	}
	parts := split(secret, k.chunkSize)
	if len(parts) > maxChunks {
		return head{}, fmt.Errorf("the secret is too big (%d bytes)", len(secret))
	}
	gen := h.gen + 1
	if h.gen > 1 {
		// Dead since the head moved to h.gen; must go before the head moves
		// on, or it would fall out of the window cleanups look at.
		if err := k.deleteChunks(ctx, key, h.gen-1, 0, 0); err != nil {
			return head{}, err
		}
	}
	for i, p := range parts {
		if err := ctx.Err(); err != nil {
			return head{}, err // the caller gave up; the old head still stands
		}
		if err := k.store.Set(ctx, k.service, chunkName(key, gen, i), p); err != nil {
			return head{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return head{}, err
	}
	if err := k.store.Set(ctx, k.service, key, marker(gen, len(parts))); err != nil {
		return head{}, err
	}
	// The new value is in place. What follows only removes dead chunks;
	// whatever it misses, the next Set or Delete removes.
	if h.chunked {
		_ = k.deleteChunks(ctx, key, h.gen, h.count, 0)
	}
	_ = k.deleteChunks(ctx, key, gen, len(parts), len(parts))
	return head{exists: true, chunked: true, gen: gen, count: len(parts)}, nil
}

// deleteChunks deletes the chunks of generation gen numbered lowest and up.
// Chunks of a generation always form one contiguous run (written upward,
// deleted downward), and indexes below known are taken to exist, so it finds
// the run's end by reading upward from known, then deletes downward, which
// keeps the run contiguous if it is interrupted.
func (k *Keyring) deleteChunks(ctx context.Context, key string, gen uint64, known, lowest int) error {
	end := known
	for ; end < maxChunks; end++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := k.store.Get(ctx, k.service, chunkName(key, gen, end))
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
	}
	for i := end - 1; i >= lowest; i-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := k.store.Delete(ctx, k.service, chunkName(key, gen, i)); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

func (k *Keyring) remove(ctx context.Context, key string) error {
	l := jobLookups(ctx)
	err := k.removeOnce(ctx, key)
	if err == nil {
		l.setHead(k.service, key, head{})
	} else {
		l.forgetHead(k.service, key)
	}
	return err
}

func (k *Keyring) removeOnce(ctx context.Context, key string) error {
	h, err := k.readHead(ctx, key)
	if err != nil {
		return err
	}
	// Chunks first, head last: until the head is gone it still names every
	// generation that may hold leftovers.
	if err := k.deleteChunks(ctx, key, h.gen+1, 0, 0); err != nil {
		return err
	}
	if h.chunked {
		if h.gen > 1 {
			if err := k.deleteChunks(ctx, key, h.gen-1, 0, 0); err != nil {
				return err
			}
		}
		if err := k.deleteChunks(ctx, key, h.gen, h.count, 0); err != nil {
			return err
		}
	}
	if !h.exists {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := k.store.Delete(ctx, k.service, key); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}
