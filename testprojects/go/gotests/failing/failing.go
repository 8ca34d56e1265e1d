// Package failing has a bug its tests catch: Double adds one too many.
package failing

func Double(n int) int { return 2*n + 1 }

func Shout(s string) string { return s + "!" }
