package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
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

func TestLoadCredentialsMatchesHostsWrittenAsURLs(t *testing.T) {
	dir := t.TempDir()
	config := `{"auths": {"https://registry.example:5000/v2/": {"auth": "Y2ktYm90OnMzOmNyZXQ="}, "https://index.docker.io/v1/": {"username": "hub", "password": "pw"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	for registry, want := range map[string]credentials{
		"registry.example:5000": {username: "ci-bot", password: "s3:cret"},
		"docker.io":             {username: "hub", password: "pw"},
		"other.example":         {},
	} {
		got, err := loadCredentials(registry)
		if err != nil || got != want {
			t.Errorf("%s: got %+v, %v; want %+v", registry, got, err, want)
		}
	}
}

func TestPlatformMatchingTreatsArm64V8AsArm64(t *testing.T) {
	arm64 := ociPlatform{OS: "linux", Architecture: "arm64"}
	if !arm64.matches(ociPlatform{OS: "linux", Architecture: "arm64", Variant: "v8"}) {
		t.Error("linux/arm64 does not match linux/arm64/v8")
	}
	armV7 := ociPlatform{OS: "linux", Architecture: "arm", Variant: "v7"}
	if armV7.matches(ociPlatform{OS: "linux", Architecture: "arm", Variant: "v6"}) {
		t.Error("linux/arm/v7 matches linux/arm/v6")
	}
}

func TestCanonicalJSONMatchesThePythonModel(t *testing.T) {
	got, err := canonicalJSON(contentDescriptor{MediaType: "a<b", Digest: "sha256:x", Size: 2})
	if err != nil || string(got) != `{"digest":"sha256:x","mediaType":"a<b","size":2}` {
		t.Fatalf("got %s, %v", got, err)
	}
}
