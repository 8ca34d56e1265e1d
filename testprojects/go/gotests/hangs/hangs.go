// Package hangs has a test that never returns, for timeout handling.
package hangs

func Ready() bool { return true }
