// Package panics has a test that panics.
package panics

// Lookup indexes names without a bounds check, so an index out of range panics.
func Lookup(names []string, i int) string { return names[i] }
