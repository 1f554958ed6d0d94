package catalog

import (
	"slices"
	"sync"
	"sync/atomic"
)

// table is the providers table put together for lookups: each row's
// scope entries carry its name, and every scope has an index key.
type table struct {
	providers []Provider
	byName    map[string]int
	index     map[string]map[string]*ScopeInfo
}

// current is the table in use, built on first use (the command's token
// path never needs it); AddForTest swaps it.
var (
	current atomic.Pointer[table]
	buildMu sync.Mutex
)

func load() *table {
	if t := current.Load(); t != nil {
		return t
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if t := current.Load(); t != nil {
		return t
	}
	t := newTable(builtinProviders)
	current.Store(t)
	return t
}

// newTable copies rows, so nothing a caller does to a returned row
// reaches the table, and indexes their scopes.
func newTable(rows []Provider) *table {
	t := &table{byName: map[string]int{}, index: map[string]map[string]*ScopeInfo{}}
	for i, p := range rows {
		p.Explained = slices.Clone(p.Explained)
		p.Offers = slices.Clone(p.Offers)
		for k := range p.Explained {
			p.Explained[k].Provider = p.Name
		}
		for k := range p.Offers {
			p.Offers[k].Provider = p.Name
		}
		t.providers = append(t.providers, p)
		t.byName[p.Name] = i
	}
	for i := range t.providers {
		p := &t.providers[i]
		t.index[p.Name] = map[string]*ScopeInfo{}
		for k := range p.Explained {
			t.index[p.Name][t.key(p.Name, p.Explained[k].Scope)] = &p.Explained[k]
		}
	}
	return t
}

// AddForTest adds row to the providers table until the returned function
// is called. It is for tests only: it shows that a provider is one row,
// which every list, screen and planner then offers. Tests that call it
// must not run in parallel with others that read the table.
func AddForTest(row Provider) (restore func()) {
	buildMu.Lock()
	defer buildMu.Unlock()
	old := current.Load()
	rows := builtinProviders
	if old != nil {
		rows = old.providers
	}
	current.Store(newTable(append(slices.Clone(rows), row)))
	return func() {
		buildMu.Lock()
		defer buildMu.Unlock()
		current.Store(old)
	}
}
