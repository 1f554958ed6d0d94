package osproc

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
)

// LoopbackPeer tells which program of this user holds the other end of a
// TCP connection over 127.0.0.1 that this process accepted on local from
// peer. It finds the client's socket in /proc/net/tcp, and the process
// holding it among this user's processes; a socket of another user, or one
// no longer there, gives false.
func LoopbackPeer(local, peer net.Addr) (Process, bool) {
	l, ok1 := local.(*net.TCPAddr)
	p, ok2 := peer.(*net.TCPAddr)
	if !ok1 || !ok2 || l.IP.To4() == nil || p.IP.To4() == nil {
		return Process{}, false
	}
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return Process{}, false
	}
	// The client's socket: its local address is our peer, its remote ours.
	want, wantRemote := procTCPAddr(p), procTCPAddr(l)
	inode := ""
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[2] == wantRemote {
			if f[7] != strconv.Itoa(os.Getuid()) {
				return Process{}, false
			}
			inode = f[9]
			break
		}
	}
	if inode == "" || inode == "0" {
		return Process{}, false
	}
	link := "socket:[" + inode + "]"
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return Process{}, false
	}
	self := os.Getpid()
	var pids []int
	for _, d := range procs {
		if pid, err := strconv.Atoi(d.Name()); err == nil && pid != self {
			pids = append(pids, pid)
		}
	}
	// Newest first: a program that just connected was most often just
	// started (a script, curl), and the search stops at the first match.
	slices.SortFunc(pids, func(a, b int) int { return b - a })
	for _, pid := range pids {
		dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // another user's, or gone
		}
		for _, fd := range fds {
			if target, err := os.Readlink(dir + fd.Name()); err == nil && target == link {
				return processAt(pid), true
			}
		}
	}
	return Process{}, false
}

// procTCPAddr is an IPv4 address and port as /proc/net/tcp writes them:
// the address's 32 bits in host (little-endian) order, then the port.
func procTCPAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port)
}
