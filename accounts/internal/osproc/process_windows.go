package osproc

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// processEntry finds pid in a snapshot of the process table: its
// executable name and parent.
func processEntry(pid int) (windows.ProcessEntry32, bool) {
	var e windows.ProcessEntry32
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return e, false
	}
	defer windows.CloseHandle(snap)
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if int(e.ProcessID) == pid {
			return e, true
		}
	}
	return e, false
}

// processName is pid's executable name without ".exe".
func processName(pid int) string {
	e, ok := processEntry(pid)
	if !ok {
		return ""
	}
	name := windows.UTF16ToString(e.ExeFile[:])
	if n := len(name); n > 4 && (name[n-4:] == ".exe" || name[n-4:] == ".EXE") {
		name = name[:n-4]
	}
	return name
}

// parentPID is pid's parent in the process table. Windows reuses ids, so
// the parent may have exited and its id gone to another process: best effort.
func parentPID(pid int) (int, bool) {
	e, ok := processEntry(pid)
	return int(e.ParentProcessID), ok
}

// processArgs is not read on Windows: cmd /c is rare in password commands there.
func processArgs(pid int) []string { return nil }

// processExe is "" here: approvals are kept by path only where the OS
// gives it without cgo (Linux), so every request is asked about.
func processExe(pid int) string { return "" }
