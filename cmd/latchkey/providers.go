package main

import (
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// The help names the providers from the catalog, so a provider added there
// shows up here too: usage texts carry placeholders that helpText fills
// in when the help is printed.

// helpWidth is where the help's running text wraps.
const helpWidth = 75

// helpText fills in a command's usage: {providers} is the paragraph that
// lists the built-in providers with their few words, {provider-names}
// their names in a sentence, and {google-providers} and
// {microsoft-providers} the names of each family's providers as the first
// column of a table.
func helpText(usage string) string {
	return strings.NewReplacer(
		"{providers}", providersParagraph(),
		"{provider-names}", catalog.JoinAnd(catalog.Names()),
		"{google-providers}", familyColumn(catalog.FamilyGoogle),
		"{microsoft-providers}", familyColumn(catalog.FamilyMicrosoft),
	).Replace(usage)
}

// providersParagraph lists the providers a person may connect.
func providersParagraph() string {
	var items []string
	for _, p := range catalog.Providers() {
		items = append(items, p.Name+" ("+p.Summary+")")
	}
	return wrap("Providers: "+strings.Join(items, ", ")+
		`, and any [providers.NAME] with type = "oidc" in config.toml.`, helpWidth)
}

// familyColumn is the names of family's providers, padded to a table's
// first column.
func familyColumn(family catalog.Family) string {
	var names []string
	for _, p := range catalog.Providers() {
		if p.Family == family {
			names = append(names, p.Name)
		}
	}
	return fmt.Sprintf("%-20s ", strings.Join(names, ", "))
}

// connectExample is the main help's example of connecting the first
// provider.
func connectExample() string {
	p := catalog.Providers()[0]
	return fmt.Sprintf("  %-39s sign in to %s\n", "latchkey connect "+p.Name, p.Title)
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0:
		case n+1+len(word) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}
