# Latchkey's two commands: `make run` starts the app, `make test` runs every
# test. Each installs what it needs on Debian/Ubuntu first.
SHELL := /bin/bash
GO ?= go
BIN := bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

BUILD_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
# The Windows builds: mingw-w64 cross-builds the tray app (cgo) and the
# tests' stand-in DLL; Wine runs the Windows programs (make wine).
WINDOWS_PKGS := gcc-mingw-w64-x86-64 wine64
TEST_PKGS := dbus gnome-keyring libsecret-tools libglib2.0-bin xvfb xauth xdotool \
	imagemagick haskell-status-notifier-item-utils curl hyperfine msmtp isync git python3 \
	libsasl2-modules-kdexoauth2 neomutt aerc offlineimap git-email libauthen-sasl-perl \
	$(WINDOWS_PKGS)

# apt-install installs the Debian packages named in $(1) that are missing.
define apt-install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null; then echo "Please install: $$missing"; exit 1; fi; \
		echo "Installing: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# Default app registrations, for distributors (see the README, "Building
# with a default app registration"): with them, people connect without
# registering an app of their own. Empty by default: never build with
# someone else's client id.
LATCHKEY_MICROSOFT_CLIENT_ID ?=
LATCHKEY_MICROSOFT_USGOV_CLIENT_ID ?=
LATCHKEY_MICROSOFT_CHINA_CLIENT_ID ?=
LATCHKEY_GOOGLE_CLIENT_ID ?=
LATCHKEY_GOOGLE_CLIENT_SECRET ?=
REG_PKG := github.com/latchkey/latchkey/accounts
REG_LDFLAGS := $(foreach v,MicrosoftClientID=$(LATCHKEY_MICROSOFT_CLIENT_ID) MicrosoftUSGovClientID=$(LATCHKEY_MICROSOFT_USGOV_CLIENT_ID) \
	MicrosoftChinaClientID=$(LATCHKEY_MICROSOFT_CHINA_CLIENT_ID) GoogleClientID=$(LATCHKEY_GOOGLE_CLIENT_ID) \
	GoogleClientSecret=$(LATCHKEY_GOOGLE_CLIENT_SECRET),$(if $(word 2,$(subst =, ,$(v))),-X $(REG_PKG).default$(v)))

.PHONY: run test build deps deps-test cli tray cross smoke anydate bench fuzz clean screenshots package bench-desktop wine package-windows

## run: install build dependencies, build both programs, start the desktop app
run: build
	$(BIN)/latchkey-tray

build: deps cli tray

deps:
	$(call apt-install,$(BUILD_PKGS))

deps-test: deps
	$(call apt-install,$(TEST_PKGS))
	@# Node may come from elsewhere than Debian (with its own npm): only
	@# install Debian's when there is none.
	@command -v node >/dev/null && command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	cd accounts/oidcprovidertest/node && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; }

cli:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(REG_LDFLAGS)" -o $(BIN)/latchkey ./cmd/latchkey

tray:
	$(GO) build -trimpath -tags migrated_fynedo -ldflags "$(REG_LDFLAGS)" -o $(BIN)/latchkey-tray ./cmd/latchkey-tray

## test: install what the tests need, then run every test
test: deps-test
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...
	$(MAKE) anydate cross smoke package-windows wine

## anydate: every test of accounts, cmd/latchkey and ui with the clock a year ahead, in a far time zone
anydate:
	GO=$(GO) bash cmd/latchkey/testdata/anydate.sh -timeout 15m

# The command must build without cgo for every desktop and server OS.
cross:
	@for t in linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64; do \
		echo "build cmd/latchkey for $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/latchkey || exit 1; \
	done
	@! $(GO) list -deps ./cmd/latchkey | grep -q '^fyne.io/' || { echo "cmd/latchkey must not import Fyne"; exit 1; }
	@! $(GO) list -deps ./accounts/... | grep -q '^fyne.io/' || { echo "accounts must not import Fyne"; exit 1; }
	@# The OS integration of the app and of the core's process probes: per-OS code behind build tags, no Fyne, no cgo.
	@for t in linux/amd64 windows/amd64 darwin/arm64 freebsd/amd64; do \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./ui/session ./accounts/internal/osproc || exit 1; \
	done
	@! $(GO) list -deps ./ui/session | grep -q '^fyne.io/' || { echo "ui/session must not import Fyne"; exit 1; }

# The desktop app in a real X server, with a real keyring and tray host.
smoke: tray
	dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash cmd/latchkey-tray/testdata/smoke.sh $(BIN)/latchkey-tray
	SMOKE_ACCOUNTS=cmd/latchkey-tray/testdata/accounts.json SMOKE_SCREENSHOT=/tmp/latchkey-tray-smoke-accounts.png \
		dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash cmd/latchkey-tray/testdata/smoke.sh $(BIN)/latchkey-tray

## wine: the Windows builds on Linux under Wine: latchkey.exe end to end (Credential
## Manager, browser, emulated providers) and the tests of the Windows-only code
WINE ?= $(firstword $(shell command -v wine64 wine 2>/dev/null) $(wildcard /usr/lib/wine/wine64))
wine:
	@if [ -z "$(WINE)" ] || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then \
		echo "SKIPPED make wine: it needs Wine and mingw-w64 (Debian: $(WINDOWS_PKGS); make deps-test installs them)"; exit 0; fi; \
	set -o pipefail; dir=$$(mktemp -d /tmp/latchkey-wine-XXXXXX); start=$$(date +%s); \
	LATCHKEY_WINE_TEST=1 LATCHKEY_WINE=$(WINE) LATCHKEY_WINEPREFIX=$$dir/prefix \
		LATCHKEY_WINE_TRAY=$$([ -f $(WIN_PKG)/Latchkey.exe ] && echo $(abspath $(WIN_PKG))/Latchkey.exe) \
		xvfb-run -a -s "-screen 0 1280x800x24" \
		$(GO) test -count=1 -v -timeout 15m -run 'Wine' ./cmd/latchkey ./accounts/winetest 2>&1 \
		| grep -E '^(--- |    --- |ok|FAIL|PASS|panic)|SKIP|wine_e2e_test|winetest_test|tray_test|Error'; status=$$?; \
	WINEPREFIX=$$dir/prefix "$$(dirname $(WINE))/wineserver" -k 2>/dev/null; rm -rf $$dir; \
	echo "make wine: $$(( $$(date +%s) - start )) s"; exit $$status

## screenshots: render every screen of the desktop app, light and dark, into assets/screenshots
screenshots:
	CGO_ENABLED=0 $(GO) test -tags screenshots -run '^TestScreenshots$$' -count=1 ./ui

# The fyne CLI (module fyne.io/tools), pinned. `fyne package` reads
# FyneApp.toml from the main package's directory, not the repository root
# where it lives, and rewrites it there to count builds: make package copies
# it next to cmd/latchkey-tray (icon path made relative to that directory)
# and removes the copy afterwards. fyne builds with the migrated_fynedo tag
# that [Migrations] asks for and writes Latchkey.tar.xz
# (usr/local/{bin,share/applications,share/pixmaps} and a Makefile to
# install it), to which we add packaging/'s metainfo and autostart entry.
FYNE_TOOLS_VERSION := v1.7.4
FYNE := $(abspath $(BIN))/tools/fyne
PKG_WORK := $(BIN)/package

$(FYNE):
	GOBIN=$(abspath $(BIN))/tools $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION)

## package: build the Linux bundle bin/Latchkey.tar.xz with `fyne package`, plus packaging/
package: deps $(FYNE)
	rm -rf $(PKG_WORK) && mkdir -p $(PKG_WORK)
	sed 's|^Icon = "assets/|Icon = "../../assets/|' FyneApp.toml >cmd/latchkey-tray/FyneApp.toml
	cd cmd/latchkey-tray && { $(FYNE) package --target linux --release; status=$$?; rm -f FyneApp.toml; exit $$status; }
	mv cmd/latchkey-tray/Latchkey.tar.xz $(PKG_WORK)/fyne.tar.xz
	tar -xJf $(PKG_WORK)/fyne.tar.xz -C $(PKG_WORK)
	@# The entry fyne wrote from FyneApp.toml must be ours (ui/metadata_test.go checks the fields).
	diff -u packaging/io.github.latchkey.Latchkey.desktop $(PKG_WORK)/latchkey-tray/usr/local/share/applications/io.github.latchkey.Latchkey.desktop
	install -Dm644 packaging/io.github.latchkey.Latchkey.metainfo.xml $(PKG_WORK)/latchkey-tray/usr/local/share/metainfo/io.github.latchkey.Latchkey.metainfo.xml
	install -Dm644 packaging/autostart/io.github.latchkey.Latchkey.desktop $(PKG_WORK)/latchkey-tray/usr/local/share/latchkey/autostart/io.github.latchkey.Latchkey.desktop
	tar -cJf $(BIN)/Latchkey.tar.xz -C $(PKG_WORK) latchkey-tray
	rm -rf $(PKG_WORK)
	@echo "bundle: $(BIN)/Latchkey.tar.xz"; tar -tJf $(BIN)/Latchkey.tar.xz

## package-windows: bin/Latchkey-windows-amd64.zip: the desktop app for 64-bit Windows (cgo
## through mingw-w64, GUI subsystem, icon and version resource from FyneApp.toml) and the command
WIN_PKG := $(BIN)/windows/Latchkey
package-windows: $(FYNE)
	$(call apt-install,gcc-mingw-w64-x86-64)
	rm -rf $(WIN_PKG) && mkdir -p $(WIN_PKG)
	@# fyne package writes a .syso (icon, version, manifest) from FyneApp.toml, builds
	@# with -H=windowsgui and removes it; as for make package, FyneApp.toml is copied
	@# next to the main package and removed afterwards.
	sed 's|^Icon = "assets/|Icon = "../../assets/|' FyneApp.toml >cmd/latchkey-tray/FyneApp.toml
	cd cmd/latchkey-tray && { CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 \
		$(FYNE) package --target windows --release; status=$$?; rm -f FyneApp.toml; exit $$status; }
	mv cmd/latchkey-tray/Latchkey.exe $(WIN_PKG)/Latchkey.exe
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags "-s -w $(REG_LDFLAGS)" -o $(WIN_PKG)/latchkey.exe ./cmd/latchkey
	cp packaging/windows/README.txt $(WIN_PKG)/README.txt
	rm -f $(BIN)/Latchkey-windows-amd64.zip
	cd $(BIN)/windows && python3 -m zipfile -c ../Latchkey-windows-amd64.zip Latchkey
	@echo "bundle: $(BIN)/Latchkey-windows-amd64.zip"; ls -l $(WIN_PKG) $(BIN)/Latchkey-windows-amd64.zip

## bench-desktop: latchkey-tray against a minimal Fyne tray app: launch time, idle RSS and CPU
## (BENCH_DESKTOP_BASELINE=path/to/another/latchkey-tray runs that build too, interleaved)
BENCH_DESKTOP_BASELINE ?=
bench-desktop: deps-test tray
	$(GO) build -trimpath -tags migrated_fynedo -o $(BIN)/minimal-tray ./cmd/latchkey-tray/testdata/minimal
	dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash cmd/latchkey-tray/testdata/bench.sh $(BIN)/latchkey-tray $(BIN)/minimal-tray $(BENCH_DESKTOP_BASELINE)

## bench: compare `latchkey token` with `secret-tool lookup` and curl side by side,
## and `latchkey proxy` with a direct XOAUTH2 session (BENCH_PROXY_RUNS=0 skips that)
## (BENCH_BASELINE=path/to/another/latchkey times that build too, interleaved)
BENCH_BASELINE ?=
bench: deps-test cli
	bash cmd/latchkey/testdata/bench.sh $(BIN)/latchkey $(BENCH_BASELINE)

## fuzz: run every fuzz target for FUZZTIME each (make test runs their seed corpora)
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list ./accounts/...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf $(BIN)
