// worker reads JSON jobs, one per line, on stdin and writes one JSON result per line on stdout.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"example.com/worker/internal/jobs"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	out := json.NewEncoder(os.Stdout)
	for line := 1; in.Scan(); line++ {
		var job jobs.Job
		if err := json.Unmarshal(in.Bytes(), &job); err != nil {
			fmt.Fprintf(os.Stderr, "worker: line %d: %v\n", line, err)
			os.Exit(1)
		}
		if err := out.Encode(jobs.Process(job)); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}
