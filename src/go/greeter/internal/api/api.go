// Package api is greeter's JSON API.
package api

import (
	"encoding/json"
	"log"
	"net/http"
	"time"

	"example.com/greeter/internal/store"
	"example.com/greeter/internal/version"
)

type API struct{ store *store.Store }

func New(s *store.Store) *API { return &API{store: s} }

func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": version.String()})
	})
	mux.HandleFunc("GET /v1/languages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string][]string{"languages": a.store.Languages()})
	})
	mux.HandleFunc("GET /v1/greet/{name}", a.greet)
	mux.HandleFunc("PUT /v1/greetings/{lang}", a.setGreeting)
}

func (a *API) greet(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	}
	greeting, ok := a.store.Greeting(lang)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown language " + lang})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": greeting + ", " + r.PathValue("name") + "!"})
}

func (a *API) setGreeting(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Greeting string `json:"greeting"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Greeting == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"greeting": "..."}`})
		return
	}
	a.store.Set(r.PathValue("lang"), body.Greeting)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(value)
}

// Logging logs each request with its duration.
func Logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		log.Printf("%s %s %s", r.Method, r.URL.Path, time.Since(start))
	})
}
