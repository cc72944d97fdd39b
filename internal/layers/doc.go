// Package layers holds no code: its test checks that the packages import
// each other only as docs/design.md draws them, so the drawing stays true
// and no package reaches up or sideways into another layer.
package layers
