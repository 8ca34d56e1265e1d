// Package broken compiles; its test file does not.
package broken

func Value() int { return 1 }
