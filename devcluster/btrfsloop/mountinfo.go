package btrfsloop

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// mountedDevice returns the source mounted at mountpoint ("" if none),
// the topmost one if several are stacked.
func mountedDevice(mountpoint string) (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	source := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent maj:min root mountpoint opts [optional...] - fstype source superopts
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+2 >= len(fields) {
			continue
		}
		if unescapeMountinfo(fields[4]) == mountpoint {
			source = unescapeMountinfo(fields[sep+2])
		}
	}
	return source, sc.Err()
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space),
// which a temp directory path can contain.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
