package ui

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/latchkey/latchkey/assets"
)

// fyneApp is the part of FyneApp.toml that must agree with the code.
type fyneApp struct {
	Details struct {
		Icon, Name, ID, Version string
		Build                   int
	}
	Migrations map[string]bool
}

func TestFyneAppTOML(t *testing.T) {
	var meta fyneApp
	if _, err := toml.DecodeFile(filepath.Join("..", "FyneApp.toml"), &meta); err != nil {
		t.Fatal(err)
	}
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
	f, err := parser.ParseFile(fset, filepath.Join("..", "cmd", "latchkey-tray", "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn, ok := call.Fun.(*ast.SelectorExpr); ok && fn.Sel.Name == "NewWithID" && len(call.Args) == 1 {
			if arg, ok := call.Args[0].(*ast.SelectorExpr); ok {
				if pkg, ok := arg.X.(*ast.Ident); ok {
					calls = append(calls, pkg.Name+"."+arg.Sel.Name)
					return true
				}
			}
			calls = append(calls, "something else")
		}
		return true
	})
	if len(calls) != 1 || calls[0] != "ui.AppID" {
		t.Errorf("main.go calls app.NewWithID with %q, want exactly once with ui.AppID", calls)
	}
}
