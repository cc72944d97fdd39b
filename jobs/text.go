package jobs

import "unicode"

// controlChar is the byte offset of the first control character of s (C0,
// DEL or C1), or -1. Such characters end up in request lines, file names
// and Nomad's own fields, where they split or hide things.
func controlChar(s string) int {
	for i, r := range s {
		if unicode.IsControl(r) {
			return i
		}
	}
	return -1
}
