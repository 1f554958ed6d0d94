package secretstore

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// TestManyRoundTrip writes raw and chunked values in one SetMany, over
// values of every kind, and reads them back with one GetMany.
func TestManyRoundTrip(t *testing.T) {
	const size = 10
	k, f := newFake(t, size)
	ctx := context.Background()
	// Before: "chunked" is chunked (generation 1), "raw" is raw.
	if err := k.Set(ctx, "chunked", randomBytes(t, 35)); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(ctx, "raw", []byte("old")); err != nil {
		t.Fatal(err)
	}
	items := []Item{
		{"raw", []byte("new")},
		{"chunked", []byte("small now")}, // stays chunked: generation 2
		{"fresh", randomBytes(t, 25)},    // new, chunked: generation 1
	}
	if err := k.SetMany(ctx, items...); err != nil {
		t.Fatal(err)
	}
	want := slices.Concat([]string{"raw"}, chunkNames("chunked", 2, 9, size), chunkNames("fresh", 1, 25, size))
	slices.Sort(want)
	if !slices.Equal(f.names(), want) {
		t.Fatalf("items %v, want %v", f.names(), want)
	}
	got, err := k.GetMany(ctx, "raw", "chunked", "fresh", "missing")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("GetMany returned %d values, want 3 (nothing for the missing key)", len(got))
	}
	for _, it := range items {
		if !bytes.Equal(got[it.Key], it.Secret) {
			t.Errorf("GetMany[%q] = %d bytes, want the %d written", it.Key, len(got[it.Key]), len(it.Secret))
		}
	}
}

// TestSetManyStopsAtFirstFailure: a caller lists first what must be saved
// before the rest; when it cannot be, nothing after it is written.
func TestSetManyStopsAtFirstFailure(t *testing.T) {
	k, f := newFake(t, 100)
	ctx := context.Background()
	f.crashAt = 1
	err := k.SetMany(ctx, Item{"first", []byte("1")}, Item{"second", []byte("2")})
	if err == nil || !strings.Contains(err.Error(), errCrashed.Error()) {
		t.Fatalf("SetMany: %v, want the first write's failure", err)
	}
	if n := f.names(); len(n) != 0 {
		t.Fatalf("items after a failed first write: %v, want none", n)
	}
}

func TestManyInvalidKey(t *testing.T) {
	k, f := newFake(t, 100)
	ctx := context.Background()
	if err := k.SetMany(ctx, Item{"good", []byte("1")}, Item{"bad#key", []byte("2")}); err == nil {
		t.Fatal("SetMany accepted a key with '#'")
	}
	if _, err := k.GetMany(ctx, "good", ""); err == nil {
		t.Fatal("GetMany accepted an empty key")
	}
	if n := f.names(); len(n) != 0 {
		t.Fatalf("items after refused calls: %v", n)
	}
}

// TestShareLookups: under ShareLookups, a SetMany after a GetMany of the
// same keys does not read their heads again, and still keeps a chunked key
// chunked; without it, every operation reads what it writes over.
func TestShareLookups(t *testing.T) {
	const size = 10
	for _, shared := range []bool{false, true} {
		k, f := newFake(t, size)
		ctx := context.Background()
		if err := k.Set(ctx, "chunked", randomBytes(t, 25)); err != nil {
			t.Fatal(err)
		}
		if err := k.Set(ctx, "raw", []byte("old")); err != nil {
			t.Fatal(err)
		}
		if shared {
			ctx = ShareLookups(ctx)
		}
		if _, err := k.GetMany(ctx, "raw", "chunked"); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		f.gets = nil
		f.mu.Unlock()
		if err := k.SetMany(ctx, Item{"raw", []byte("new")}, Item{"chunked", []byte("tiny")}); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		gets := slices.Clone(f.gets)
		f.mu.Unlock()
		readHeads := slices.Contains(gets, "raw") || slices.Contains(gets, "chunked")
		if readHeads == shared {
			t.Errorf("shared=%v: SetMany read %v", shared, gets)
		}
		want := slices.Concat([]string{"raw"}, chunkNames("chunked", 2, 4, size))
		slices.Sort(want)
		if !slices.Equal(f.names(), want) {
			t.Errorf("shared=%v: items %v, want %v", shared, f.names(), want)
		}
		got, err := k.GetMany(ctx, "raw", "chunked")
		if err != nil || string(got["raw"]) != "new" || string(got["chunked"]) != "tiny" {
			t.Errorf("shared=%v: GetMany = %q, %q, %v", shared, got["raw"], got["chunked"], err)
		}
	}
}
