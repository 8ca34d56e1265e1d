// Package embedded serves data compiled in with //go:embed.
package embedded

import (
	"embed"
	"strings"
)

//go:embed data/greeting.txt
var greeting string

//go:embed data
var data embed.FS

// Greeting is data/greeting.txt without its trailing newline.
func Greeting() string { return strings.TrimSuffix(greeting, "\n") }

// Names lists the files under data/.
func Names() ([]string, error) {
	entries, err := data.ReadDir("data")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}
