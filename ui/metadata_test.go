package ui

import (
	"bytes"
	"encoding/xml"
	"go/ast"
	"go/parser"
	"go/token"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/latchkey/latchkey/assets"
	"github.com/latchkey/latchkey/ui/session"
)

// fyneApp is the part of FyneApp.toml that must agree with the code.
type fyneApp struct {
	Details struct {
		Icon, Name, ID, Version string
		Build                   int
	}
	LinuxAndBSD struct {
		GenericName, Comment string
		Categories, Keywords []string
	}
	Migrations map[string]bool
}

func readFyneApp(t *testing.T) fyneApp {
	t.Helper()
	var meta fyneApp
	if _, err := toml.DecodeFile(filepath.Join("..", "FyneApp.toml"), &meta); err != nil {
		t.Fatal(err)
	}
	return meta
}

func TestFyneAppTOML(t *testing.T) {
	meta := readFyneApp(t)
	if meta.Details.ID != AppID {
		t.Errorf("FyneApp.toml ID = %q, ui.AppID = %q: they must agree", meta.Details.ID, AppID)
	}
	if meta.Details.Name != AppName || meta.Details.Version == "" || meta.Details.Build < 1 {
		t.Errorf("FyneApp.toml Details = %+v", meta.Details)
	}
	if !meta.Migrations["fyneDo"] {
		t.Error("FyneApp.toml does not opt into the fyneDo migration")
	}

	icon, err := os.ReadFile(filepath.Join("..", meta.Details.Icon))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(icon, assets.Icon) {
		t.Errorf("FyneApp.toml icon %s is not the icon embedded in package assets", meta.Details.Icon)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(icon))
	if err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Errorf("app icon is %dx%d (%v), want a 512x512 PNG", cfg.Width, cfg.Height, err)
	}
}

// TestMainUsesAppID checks that cmd/latchkey-tray creates its app with
// ui.AppID, by reading its source: that package needs cgo to build.
func TestMainUsesAppID(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "cmd", "latchkey-tray", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		inspectNewWithID(f, &calls)
	}
	if len(calls) != 1 || calls[0] != "ui.AppID" {
		t.Errorf("latchkey-tray calls app.NewWithID with %q, want exactly once with ui.AppID", calls)
	}
}

// inspectNewWithID adds what f passes to each NewWithID call to calls.
func inspectNewWithID(f *ast.File, calls *[]string) {
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn, ok := call.Fun.(*ast.SelectorExpr); ok && fn.Sel.Name == "NewWithID" && len(call.Args) == 1 {
			if arg, ok := call.Args[0].(*ast.SelectorExpr); ok {
				if pkg, ok := arg.X.(*ast.Ident); ok {
					*calls = append(*calls, pkg.Name+"."+arg.Sel.Name)
					return true
				}
			}
			*calls = append(*calls, "something else")
		}
		return true
	})
}

// TestPackagingAgrees checks packaging/ against FyneApp.toml and the code:
// the desktop entry is the one `fyne package` writes from FyneApp.toml
// (make package also compares the two), the AppStream ID and launchable
// are ui.AppID, and the autostart entry is the one the app writes.
func TestPackagingAgrees(t *testing.T) {
	meta := readFyneApp(t)
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "packaging", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	desktop := read(AppID + ".desktop")
	for _, line := range []string{
		"Name=" + meta.Details.Name, "Icon=" + AppID, "Exec=latchkey-tray",
		"GenericName=" + meta.LinuxAndBSD.GenericName, "Comment=" + meta.LinuxAndBSD.Comment,
		"Categories=" + strings.Join(meta.LinuxAndBSD.Categories, ";") + ";",
		"Keywords=" + strings.Join(meta.LinuxAndBSD.Keywords, ";") + ";",
	} {
		if !strings.Contains(desktop, "\n"+line+"\n") {
			t.Errorf("packaging/%s.desktop lacks %q (from FyneApp.toml)", AppID, line)
		}
	}

	var info struct {
		ID         string `xml:"id"`
		Name       string `xml:"name"`
		Summary    string `xml:"summary"`
		Launchable string `xml:"launchable"`
	}
	if err := xml.Unmarshal([]byte(read(AppID+".metainfo.xml")), &info); err != nil {
		t.Fatalf("metainfo: %v", err)
	}
	if info.ID != AppID || info.Launchable != AppID+".desktop" || info.Name != AppName || info.Summary != meta.LinuxAndBSD.Comment {
		t.Errorf("metainfo = %+v; want id %s, launchable %s.desktop, name %s, summary = FyneApp.toml's Comment", info, AppID, AppID, AppName)
	}

	want := session.Autostart{ID: AppID, Name: AppName, Comment: AutostartComment, Exec: "latchkey-tray", Args: []string{"--hidden"}}.DesktopEntry()
	if got := read(filepath.Join("autostart", AppID+".desktop")); got != want {
		t.Errorf("packaging/autostart entry =\n%s\nthe app writes\n%s", got, want)
	}
}
