// A binary in one module of a go.work workspace that imports a package of the other module.
package main

import (
	"fmt"

	"example.com/lib/shout"
)

func main() { fmt.Println(shout.Shout("workspace")) }
