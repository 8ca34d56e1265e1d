package embedded

import (
	_ "embed"
	"slices"
	"testing"
)

// Test files embed too: only the test binary holds this file.
//
//go:embed testdata/want.txt
var want string

func TestGreetingIsEmbedded(t *testing.T) {
	if got := Greeting() + "\n"; got != want {
		t.Errorf("Greeting() = %q, want testdata/want.txt %q", got, want)
	}
}

func TestDataDirectoryIsEmbedded(t *testing.T) {
	names, err := Names()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"colors.json", "greeting.txt"}; !slices.Equal(names, want) {
		t.Errorf("Names() = %q, want %q", names, want)
	}
}
