// greeter is a small HTTP API: greetings stored in memory, a health check, and an embedded web page.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/greeter/internal/api"
	"example.com/greeter/internal/store"
	"example.com/greeter/internal/version"
	"example.com/greeter/web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	printVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *printVersion {
		os.Stdout.WriteString(version.String() + "\n")
		return
	}

	mux := http.NewServeMux()
	api.New(store.New()).Register(mux)
	mux.Handle("GET /", http.FileServerFS(web.Static))

	server := &http.Server{Addr: *addr, Handler: api.Logging(mux), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	log.Printf("greeter %s listening on %s", version.String(), *addr)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
