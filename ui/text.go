package ui

import (
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// This file holds the few text styles every screen uses, so they look the
// same everywhere.

// paragraph is body text that wraps.
func paragraph(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// caption is secondary text: smaller emphasis, wraps.
func caption(text string) *widget.Label {
	l := paragraph(text)
	l.Importance = widget.LowImportance
	return l
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

// scopeRow explains one scope: its purpose, then the exact string, its
// sensitivity and whether an administrator must approve it.
func scopeRow(s ScopeView) fyne.CanvasObject {
	purpose := s.Purpose
	if !s.Known {
		purpose = "Not known to Latchkey: the provider decides what it allows"
	}
	marks := []string{s.Scope}
	if s.Sensitivity != "" {
		marks = append(marks, s.Sensitivity)
	}
	segs := []widget.RichTextSegment{
		&widget.TextSegment{Style: widget.RichTextStyleInline, Text: purpose + "\n"},
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
	return container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.RadioButtonCheckedIcon())), nil, t)
}

// openURLIn opens raw in the person's browser through the app.
func openURLIn(a fyne.App, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return a.OpenURL(u)
}
