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
