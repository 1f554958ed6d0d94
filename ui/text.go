package ui

import (
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts/safetext"
)

// This file holds the few text styles every screen uses, so they look the
// same everywhere.

// paragraph is body text that wraps.
func paragraph(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// caption is secondary text, in the theme's placeholder colour (readable
// in both themes, unlike the disabled colour), wrapping.
func caption(text string) *widget.RichText {
	t := widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}, Text: text})
	t.Wrapping = fyne.TextWrapWord
	return t
}

// wrapped holds a wrapping label at width, tall enough for its text: a
// wrapping label alone in a dialog collapses to one word per line.
func wrapped(text string, width float32) fyne.CanvasObject {
	l := paragraph(text)
	size := fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{})
	lines := int(size.Width/(width-4*theme.Padding())) + 2
	return container.NewGridWrap(fyne.NewSize(width, float32(lines)*(size.Height+theme.LineSpacing())+2*theme.InnerPadding()), l)
}

// warning is text about a problem, in the theme's warning colour.
func warning(text string) *widget.Label {
	l := paragraph(text)
	l.Importance = widget.WarningImportance
	return l
}

// heading is a screen's main line.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// subheading opens a section.
func subheading(text string) fyne.CanvasObject {
	return container.NewVBox(widget.NewSeparator(), widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
}

// Markers in front of a scope. Functions, not variables: theme icons need
// the app, which does not exist yet when package variables are set.
func grantedMark() fyne.Resource    { return theme.NewSuccessThemedResource(theme.ConfirmIcon()) }
func notGrantedMark() fyne.Resource { return theme.NewWarningThemedResource(theme.CancelIcon()) }
func unconfirmedMark() fyne.Resource {
	return theme.NewColoredResource(theme.HistoryIcon(), theme.ColorNamePlaceHolder)
}

// scopeRow explains one scope: its purpose, then the exact string, its
// sensitivity and whether an administrator must approve it. mark, when not
// nil, is shown in front.
func scopeRow(s ScopeView, mark fyne.Resource) fyne.CanvasObject {
	marks := []string{safetext.Line(s.Scope)}
	if s.Sensitivity != "" {
		marks = append(marks, s.Sensitivity)
	}
	segs := []widget.RichTextSegment{
		&widget.TextSegment{Style: widget.RichTextStyleInline, Text: s.Purpose + "\n"},
		&widget.TextSegment{Style: widget.RichTextStyle{Inline: true, ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText}, Text: strings.Join(marks, " · ")},
	}
	if s.NeedsAdmin {
		segs = append(segs, &widget.TextSegment{
			Style: widget.RichTextStyle{Inline: true, ColorName: theme.ColorNameWarning, SizeName: theme.SizeNameCaptionText, TextStyle: fyne.TextStyle{Bold: true}},
			Text:  "  ·  needs an administrator",
		})
	}
	t := widget.NewRichText(segs...)
	t.Wrapping = fyne.TextWrapWord
	if mark == nil {
		return container.NewPadded(t)
	}
	return container.NewBorder(nil, nil, container.NewVBox(container.NewPadded(widget.NewIcon(mark))), nil, t)
}

// openURLIn opens raw in the person's browser through the app.
func openURLIn(a fyne.App, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return a.OpenURL(u)
}

// plural is the "s" of a count's noun: "1 minute", "2 minutes".
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// copyableText shows a URL that people may select and copy: full contrast,
// unlike a disabled entry, and cut short with an ellipsis.
func copyableText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Selectable = true
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}
