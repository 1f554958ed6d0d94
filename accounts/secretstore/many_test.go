package secretstore

import (
	"bytes"
	"context"
	"slices"
	"testing"
)

// TestManyRoundTrip writes raw and chunked values over values of every
// kind and reads them back with one GetMany.
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
	items := []struct {
		Key    string
		Secret []byte
	}{
		{"raw", []byte("new")},
		{"chunked", []byte("small now")}, // stays chunked: generation 2
		{"fresh", randomBytes(t, 25)},    // new, chunked: generation 1
	}
	for _, it := range items {
		if err := k.Set(ctx, it.Key, it.Secret); err != nil {
			t.Fatal(err)
		}
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

func TestManyInvalidKey(t *testing.T) {
	k, f := newFake(t, 100)
	ctx := context.Background()
	if err := k.Set(ctx, "bad#key", []byte("2")); err == nil {
		t.Fatal("Set accepted a key with '#'")
	}
	if _, err := k.GetMany(ctx, "good", ""); err == nil {
		t.Fatal("GetMany accepted an empty key")
	}
	if n := f.names(); len(n) != 0 {
		t.Fatalf("items after refused calls: %v", n)
	}
}

// TestShareLookups: under ShareLookups, writes after a GetMany of the
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
		if err := k.Set(ctx, "raw", []byte("new")); err != nil {
			t.Fatal(err)
		}
		if err := k.Set(ctx, "chunked", []byte("tiny")); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		gets := slices.Clone(f.gets)
		f.mu.Unlock()
		readHeads := slices.Contains(gets, "raw") || slices.Contains(gets, "chunked")
		if readHeads == shared {
			t.Errorf("shared=%v: the writes read %v", shared, gets)
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
