package api_test

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/greeter/internal/api"
	"example.com/greeter/internal/store"
	"example.com/greeter/internal/version"
)

const jsonType = "application/json"

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	api.New(store.New()).Register(mux)
	return mux
}

func do(handler http.Handler, method, target, body string) *httptest.ResponseRecorder {
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, httptest.NewRequest(method, target, strings.NewReader(body)))
	return recorder
}

type want struct {
	status      int
	contentType string
	body        string
}

func check(t *testing.T, method, target string, got *httptest.ResponseRecorder, w want) {
	t.Helper()
	if got.Code != w.status {
		t.Errorf("%s %s: status %d, want %d", method, target, got.Code, w.status)
	}
	if ct := got.Header().Get("Content-Type"); ct != w.contentType {
		t.Errorf("%s %s: Content-Type %q, want %q", method, target, ct, w.contentType)
	}
	if b := got.Body.String(); b != w.body {
		t.Errorf("%s %s: body %q, want %q", method, target, b, w.body)
	}
}

func TestRoutes(t *testing.T) {
	cases := []struct {
		method, target, body string
		want
	}{
		{"GET", "/healthz", "", want{200, jsonType, `{"status":"ok","version":"` + version.String() + `"}` + "\n"}},
		{"GET", "/v1/languages", "", want{200, jsonType, `{"languages":["de","en","fr"]}` + "\n"}},
		{"GET", "/v1/greet/world", "", want{200, jsonType, `{"message":"Hello, world!"}` + "\n"}},
		{"GET", "/v1/greet/world?lang=fr", "", want{200, jsonType, `{"message":"Bonjour, world!"}` + "\n"}},
		{"GET", "/v1/greet/Gopher?lang=DE", "", want{200, jsonType, `{"message":"Hallo, Gopher!"}` + "\n"}},
		{"GET", "/v1/greet/J%C3%BCrgen", "", want{200, jsonType, `{"message":"Hello, Jürgen!"}` + "\n"}},
		{"GET", "/v1/greet/world?lang=xx", "", want{404, jsonType, `{"error":"unknown language xx"}` + "\n"}},
		{"PUT", "/v1/greetings/es", `{"greeting": "Hola"}`, want{204, "", ""}},
		{"PUT", "/v1/greetings/es", `{"greeting": ""}`, want{400, jsonType, `{"error":"send {\"greeting\": \"...\"}"}` + "\n"}},
		{"PUT", "/v1/greetings/es", `{}`, want{400, jsonType, `{"error":"send {\"greeting\": \"...\"}"}` + "\n"}},
		{"PUT", "/v1/greetings/es", `not json`, want{400, jsonType, `{"error":"send {\"greeting\": \"...\"}"}` + "\n"}},
		{"PUT", "/v1/greetings/es", `{"greeting": 5}`, want{400, jsonType, `{"error":"send {\"greeting\": \"...\"}"}` + "\n"}},
		// The routes are method-specific: ServeMux answers other methods itself.
		{"POST", "/healthz", "", want{405, "text/plain; charset=utf-8", "Method Not Allowed\n"}},
		{"GET", "/v1/greetings/es", "", want{405, "text/plain; charset=utf-8", "Method Not Allowed\n"}},
		{"GET", "/v1/greet/", "", want{404, "text/plain; charset=utf-8", "404 page not found\n"}},
	}
	for _, c := range cases {
		// Each request gets a fresh store, so a PUT never changes a later case's answer.
		check(t, c.method, c.target, do(newMux(), c.method, c.target, c.body), c.want)
	}
}

func TestMethodNotAllowedListsAllowedMethods(t *testing.T) {
	mux := newMux()
	for target, allow := range map[string]string{"/healthz": "GET, HEAD", "/v1/greetings/es": "PUT"} {
		got := do(mux, "DELETE", target, "")
		if got.Code != http.StatusMethodNotAllowed || got.Header().Get("Allow") != allow {
			t.Errorf("DELETE %s: status %d, Allow %q; want 405, %q", target, got.Code, got.Header().Get("Allow"), allow)
		}
	}
}

func TestSetGreetingIsServed(t *testing.T) {
	mux := newMux()
	check(t, "PUT", "/v1/greetings/ES", do(mux, "PUT", "/v1/greetings/ES", `{"greeting":"Hola"}`), want{204, "", ""})
	check(t, "GET", "/v1/greet/mundo?lang=es", do(mux, "GET", "/v1/greet/mundo?lang=es", ""),
		want{200, jsonType, `{"message":"Hola, mundo!"}` + "\n"})
	check(t, "GET", "/v1/languages", do(mux, "GET", "/v1/languages", ""),
		want{200, jsonType, `{"languages":["de","en","es","fr"]}` + "\n"})

	// A rejected PUT leaves the existing greeting alone.
	do(mux, "PUT", "/v1/greetings/en", `{"greeting":""}`)
	check(t, "GET", "/v1/greet/you", do(mux, "GET", "/v1/greet/you", ""), want{200, jsonType, `{"message":"Hello, you!"}` + "\n"})
}

func TestLoggingPassesThroughAndLogsTheRequest(t *testing.T) {
	var logged bytes.Buffer
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&logged)
	log.SetFlags(0)
	log.SetPrefix("")
	t.Cleanup(func() {
		log.SetOutput(out)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	})

	got := do(api.Logging(newMux()), "GET", "/v1/greet/world?lang=fr", "")
	check(t, "GET", "/v1/greet/world?lang=fr", got, want{200, jsonType, `{"message":"Bonjour, world!"}` + "\n"})
	line := logged.String()
	// The logged path has no query string; the line ends with the request's duration.
	if !strings.HasPrefix(line, "GET /v1/greet/world ") || !strings.HasSuffix(line, "s\n") || strings.Count(line, "\n") != 1 {
		t.Errorf("Logging wrote %q; want one line %q", line, "GET /v1/greet/world <duration>")
	}
}

func ExampleAPI_Register() {
	mux := http.NewServeMux()
	api.New(store.New()).Register(mux)

	for _, target := range []string{"/v1/greet/Gopher?lang=fr", "/v1/languages"} {
		recorder := httptest.NewRecorder()
		mux.ServeHTTP(recorder, httptest.NewRequest("GET", target, nil))
		fmt.Print(recorder.Code, " ", recorder.Body.String())
	}
	// Output:
	// 200 {"message":"Bonjour, Gopher!"}
	// 200 {"languages":["de","en","fr"]}
}
