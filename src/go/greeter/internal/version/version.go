// Package version holds what the build injects with -X (go_cross_binary's x_defs).
package version

import "runtime"

var Version = "dev"

func String() string { return Version + " " + runtime.GOOS + "/" + runtime.GOARCH }
