// tool repeats its arguments: tool -n 2 a b prints "a b a b".
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("tool", flag.ContinueOnError)
	flags.SetOutput(stderr)
	n := flags.Int("n", 1, "how many times to repeat the arguments")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "tool: -n must be at least 1, got %d\n", *n)
		return 2
	}
	words := make([]string, 0, *n*flags.NArg())
	for range *n {
		words = append(words, flags.Args()...)
	}
	fmt.Fprintln(stdout, strings.Join(words, " "))
	return 0
}
