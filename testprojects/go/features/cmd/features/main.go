// Exercises what a build must see exactly: internal packages, embedded files, build tags, assembly and -X.
package main

import (
	"fmt"

	"example.com/features/internal/asmsum"
	"example.com/features/internal/greeting"
)

var version = "unset"

func main() {
	if asmsum.Sum(2, 3) != 5 {
		panic("asmsum")
	}
	fmt.Printf("version=%s\n", version)
	fmt.Printf("greeting=%s\n", greeting.Text())
	fmt.Printf("edition=%s\n", edition)
}
