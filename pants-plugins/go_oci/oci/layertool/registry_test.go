package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseChallengeKeepsCommasInsideQuotes(t *testing.T) {
	scheme, params := parseChallenge(`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:acme/greeter:pull,push"`)
	want := map[string]string{
		"realm":   "https://auth.example/token",
		"service": "registry.example",
		"scope":   "repository:acme/greeter:pull,push",
	}
	if scheme != "Bearer" || !reflect.DeepEqual(params, want) {
		t.Fatalf("got %q %v", scheme, params)
	}
	if scheme, params := parseChallenge(`Basic realm=registry, charset="UTF-8"`); scheme != "Basic" || params["realm"] != "registry" || params["charset"] != "UTF-8" {
		t.Fatalf("got %q %v", scheme, params)
	}
}

func TestParseRepositoryNeedsAnExplicitHostAndALowercasePath(t *testing.T) {
	for _, good := range []string{"127.0.0.1:5000/distroless/static", "gcr.io/distroless/static-debian12", "localhost:5000/a__b/c.d"} {
		if _, err := parseRepository(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, bad := range []string{"acme", "gcr.io/Acme/x", "gcr.io/acme/x:latest", "gcr.io/acme//x", "gcr.io/", "/acme/x"} {
		if _, err := parseRepository(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if _, _, err := parsePinnedReference("gcr.io/acme/x@sha256:abc"); err == nil {
		t.Error("a short digest was accepted")
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// isolateCredentials leaves only the credential files and helpers a test writes.
func isolateCredentials(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("PATH", dir)
	return dir
}

func TestLoadCredentialsMatchesHostsWrittenAsURLs(t *testing.T) {
	dir := isolateCredentials(t)
	config := `{"auths": {"https://registry.example:5000/v2/": {"auth": "Y2ktYm90OnMzOmNyZXQ="}, "https://index.docker.io/v1/": {"username": "hub", "password": "pw"}}}`
	writeFile(t, filepath.Join(dir, "config.json"), config, 0o600)
	for registry, want := range map[string]credentials{
		"registry.example:5000": {username: "ci-bot", password: "s3:cret"},
		"docker.io":             {username: "hub", password: "pw"},
		"other.example":         {},
	} {
		got, err := loadCredentials(registry)
		if err != nil || got.username != want.username || got.password != want.password {
			t.Errorf("%s: got %+v, %v; want %+v", registry, got, err, want)
		}
	}
}

func TestLoadCredentialsAsksCredentialHelpersOnPath(t *testing.T) {
	dir := isolateCredentials(t)
	// A helper answering as docker-credential-pass and friends do: the server on stdin.
	helper := `#!/bin/sh
read server
case "$server" in
  registry.example) echo '{"ServerURL":"registry.example","Username":"from-store","Secret":"store-pw"}' ;;
  private.example) echo '{"ServerURL":"private.example","Username":"from-helper","Secret":"helper-pw"}' ;;
  tokens.example) echo '{"ServerURL":"tokens.example","Username":"<token>","Secret":"refresh"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`
	writeFile(t, filepath.Join(dir, "docker-credential-fake"), helper, 0o755)
	writeFile(t, filepath.Join(dir, "config.json"), `{
		"auths": {"registry.example": {}, "literal.example": {"auth": "bGl0OnB3"}},
		"credsStore": "fake",
		"credHelpers": {"private.example": "fake", "gone.example": "absent"}
	}`, 0o600)
	for registry, want := range map[string]credentials{
		"registry.example": {username: "from-store", password: "store-pw", source: "docker-credential-fake (named in " + filepath.Join(dir, "config.json") + ")"},
		"private.example":  {username: "from-helper", password: "helper-pw", source: "docker-credential-fake (named in " + filepath.Join(dir, "config.json") + ")"},
		"literal.example":  {username: "lit", password: "pw", source: filepath.Join(dir, "config.json")},
		"unknown.example":  {},
	} {
		if got, err := loadCredentials(registry); err != nil || got != want {
			t.Errorf("%s: got %+v, %v; want %+v", registry, got, err, want)
		}
	}
	for registry, message := range map[string]string{
		"gone.example":   "docker-credential-absent (named in " + filepath.Join(dir, "config.json") + "): it is not on PATH",
		"tokens.example": "identity token",
	} {
		if _, err := loadCredentials(registry); err == nil || !strings.Contains(err.Error(), message) {
			t.Errorf("%s: got %v, want an error saying %q", registry, err, message)
		}
	}
}

func TestRegistryAuthFileComesBeforeTheDockerConfig(t *testing.T) {
	dir := isolateCredentials(t)
	authFile := filepath.Join(dir, "auth.json")
	writeFile(t, authFile, `{"auths": {"registry.example": {"auth": "cG9kbWFuOnB3"}}}`, 0o600)
	writeFile(t, filepath.Join(dir, "config.json"), `{"auths": {"registry.example": {"auth": "ZG9ja2VyOnB3"}, "docker-only.example": {"auth": "ZG9ja2VyOnB3"}}}`, 0o600)
	t.Setenv("REGISTRY_AUTH_FILE", authFile)
	if got, _ := loadCredentials("registry.example"); got.username != "podman" || got.source != authFile {
		t.Errorf("got %+v, want podman's from %s", got, authFile)
	}
	if got, _ := loadCredentials("docker-only.example"); got.username != "docker" {
		t.Errorf("got %+v, want docker's", got)
	}
}

func TestARefusedConnectionIsRetriedWithBackoff(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close() // refused until the "registry" comes back up
	served := make(chan error, 1)
	go func() {
		time.Sleep(150 * time.Millisecond)
		listener, err := net.Listen("tcp", address)
		if err != nil {
			served <- err
			return
		}
		served <- http.Serve(listener, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	}()
	repo, _ := parseRepository(address + "/acme/greeter")
	client, err := newRegistryClient(repo, true, scopePull)
	if err != nil {
		t.Fatal(err)
	}
	client.retry = retryPolicy{attempts: 5, baseDelay: 100 * time.Millisecond}
	resp, err := client.do(registryRequest{method: http.MethodGet, url: client.baseURL + "/v2/"})
	if err != nil {
		select {
		case serveErr := <-served:
			t.Fatalf("%v (the server: %v)", err, serveErr)
		default:
			t.Fatal(err)
		}
	}
	discardBody(resp)

	// A registry that stays down is given up on after the policy's attempts.
	client.retry = retryPolicy{attempts: 2, baseDelay: time.Millisecond}
	client.baseURL = "http://" + closedAddress(t)
	if _, err := client.do(registryRequest{method: http.MethodGet, url: client.baseURL + "/v2/"}); err == nil ||
		!errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Fatalf("got %v", err)
	}
}

func closedAddress(t *testing.T) string {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	return listener.Addr().String()
}

func TestMergedReportKeepsTheTagsOfTheSameImageOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "image.pushed.json")
	first := []any{pushedReport{"r/x@sha256:a"}, tagReport{"r/x:latest", "sha256:a"}, blobCountReport{3, 1}}
	if err := writeReport(path, first, false); err != nil {
		t.Fatal(err)
	}
	second := []any{pushedReport{"r/x@sha256:a"}, tagReport{"r/x:1.0", "sha256:a"}, blobCountReport{0, 4}}
	if err := writeReport(path, second, true); err != nil {
		t.Fatal(err)
	}
	want := "{\"pushed\":\"r/x@sha256:a\"}\n{\"tag\":\"r/x:latest\",\"digest\":\"sha256:a\"}\n" +
		"{\"tag\":\"r/x:1.0\",\"digest\":\"sha256:a\"}\n{\"blobs_uploaded\":3,\"blobs_skipped\":1}\n"
	if got, _ := os.ReadFile(path); string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// Another image's report is replaced, not merged into.
	other := []any{pushedReport{"r/x@sha256:b"}, tagReport{"r/x:1.0", "sha256:b"}, blobCountReport{1, 3}}
	if err := writeReport(path, other, true); err != nil {
		t.Fatal(err)
	}
	want = "{\"pushed\":\"r/x@sha256:b\"}\n{\"tag\":\"r/x:1.0\",\"digest\":\"sha256:b\"}\n{\"blobs_uploaded\":1,\"blobs_skipped\":3}\n"
	if got, _ := os.ReadFile(path); string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
