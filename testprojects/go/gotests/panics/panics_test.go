package panics

import "testing"

func TestLookup(t *testing.T) {
	if got := Lookup([]string{"a", "b"}, 1); got != "b" {
		t.Errorf("Lookup(1) = %q, want %q", got, "b")
	}
}

func TestPanics(t *testing.T) {
	panic("panics: distinctive panic message from TestPanics")
}
