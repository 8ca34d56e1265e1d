// A stdlib-only HTTP service: the smallest real thing go_oci builds.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
)

var version = "dev"

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	once := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *once {
		fmt.Printf("hello %s %s/%s\n", version, runtime.GOOS, runtime.GOARCH)
		os.Exit(0)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s/%s, version %s\n", runtime.GOOS, runtime.GOARCH, version)
	})
	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
