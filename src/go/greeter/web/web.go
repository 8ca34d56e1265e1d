// Package web embeds greeter's static page.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Static is the static/ directory, served at /.
var Static, _ = fs.Sub(files, "static")
