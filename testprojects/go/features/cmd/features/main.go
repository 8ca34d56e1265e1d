// Exercises what a build must see exactly: internal packages, embedded files, build tags and -X.
package main

import (
	"fmt"

	"example.com/features/internal/greeting"
)

var version = "unset"

func main() {
	fmt.Printf("version=%s\n", version)
	fmt.Printf("greeting=%s\n", greeting.Text())
	fmt.Printf("edition=%s\n", edition)
}
