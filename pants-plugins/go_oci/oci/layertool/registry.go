// Registry access shared by `pull` and `push`: repository references, the
// credentials `docker login` and `podman login` store, and one HTTP client that answers
// authentication challenges and retries transient failures, as the OCI
// distribution spec v1.1 describes.

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// manifestAccept is what a manifest fetch asks for: an image or an index, in
// OCI or Docker v2 form. Docker schema 1 is left out on purpose: its digest
// is not of the bytes served, so it cannot be pinned.
var manifestAccept = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

const (
	// Registries may refuse manifests larger than 4 MiB (distribution spec,
	// "Pushing Manifests"), so a larger one is never a manifest we can use.
	maxManifestBytes = 4 << 20
	// Error bodies are only read to quote the registry's message.
	maxErrorBodyBytes = 64 << 10
)

// ---------------------------------------------------------------- references

var (
	// The distribution spec's repository name grammar: lowercase components
	// separated by "/", each component's separators being ".", "_", "__" or "-"s.
	repositoryPathPattern = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	registryHostPattern   = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)
	tagPattern            = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// repository names a repository on a registry, written "host[:port]/path".
// The host is always explicit: an implied docker.io would make a typo in a
// private registry's name silently push to (or pull from) Docker Hub.
type repository struct {
	registry string // host[:port] as written; it also keys the stored credentials
	path     string
}

func (r repository) String() string { return r.registry + "/" + r.path }

func parseRepository(text string) (repository, error) {
	registry, path, found := strings.Cut(text, "/")
	example := `like "registry.example.com/acme/greeter" or "127.0.0.1:5000/acme/greeter"`
	if !found || !registryHostPattern.MatchString(registry) {
		return repository{}, fmt.Errorf("repository %q must start with a registry host[:port], %s", text, example)
	}
	if !repositoryPathPattern.MatchString(path) {
		return repository{}, fmt.Errorf("repository %q must be HOST[:PORT]/PATH with a lowercase path of letters, digits and separators (., _, __, -), without a tag or digest, %s", text, example)
	}
	return repository{registry: registry, path: path}, nil
}

// parsePinnedReference splits "host[:port]/path@sha256:hex".
func parsePinnedReference(text string) (repository, string, error) {
	name, digest, found := strings.Cut(text, "@")
	if !found {
		return repository{}, "", fmt.Errorf("%q must be pinned by digest: REPOSITORY@sha256:HEX", text)
	}
	repo, err := parseRepository(name)
	if err != nil {
		return repository{}, "", err
	}
	if err := validateSHA256Digest(digest); err != nil {
		return repository{}, "", err
	}
	return repo, digest, nil
}

func validateTag(tag string) error {
	if !tagPattern.MatchString(tag) {
		return fmt.Errorf("tag %q must be 1-128 letters, digits, '_', '.' and '-', not starting with '.' or '-'", tag)
	}
	return nil
}

// apiHost is where the registry's HTTP API lives. Docker Hub is the one
// registry whose name and API host differ.
func apiHost(registry string) string {
	if registry == "docker.io" || registry == "index.docker.io" {
		return "registry-1.docker.io"
	}
	return registry
}

// ---------------------------------------------------------------- credentials

type credentials struct {
	username, password string
	source             string // where they were found, for messages: a file or a credential helper
}

func (c credentials) present() bool { return c.username != "" || c.password != "" }

// dockerConfigPath is where `docker login` (and `podman login
// --compat-auth-file`) store credentials.
func dockerConfigPath() string {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker", "config.json")
}

// credentialFiles are the files `podman login` and `docker login` write, in
// the order podman and skopeo read them: $REGISTRY_AUTH_FILE (else podman's
// default under $XDG_RUNTIME_DIR), then the Docker CLI's config.json.
func credentialFiles() []string {
	var files []string
	if file := os.Getenv("REGISTRY_AUTH_FILE"); file != "" {
		files = append(files, file)
	} else if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		files = append(files, filepath.Join(dir, "containers", "auth.json"))
	}
	if path := dockerConfigPath(); path != "" {
		files = append(files, path)
	}
	return files
}

// credentialFilesForMessage names the files a 401 without credentials was
// looked up in, so that the user can see which one lacks the entry.
func credentialFilesForMessage() string {
	files := credentialFiles()
	if len(files) == 0 {
		return "$DOCKER_CONFIG/config.json or ~/.docker/config.json (HOME is not set)"
	}
	return strings.Join(files, " or ")
}

// credentialFile is the part of a Docker config.json or a containers
// auth.json that says where a registry's credentials are.
type credentialFile struct {
	Auths map[string]struct {
		Auth     string `json:"auth"`
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"auths"`
	CredsStore  string            `json:"credsStore"`
	CredHelpers map[string]string `json:"credHelpers"`
}

// loadCredentials returns the first credentials any credential file has for
// registry, or none. Only the publish goal's uncached push runs with the
// user's environment; a build's processes have no HOME and find none.
func loadCredentials(registry string) (credentials, error) {
	for _, path := range credentialFiles() {
		creds, found, err := credentialsFromFile(path, registry)
		if err != nil || found {
			return creds, err
		}
	}
	return credentials{}, nil
}

// credentialsFromFile follows the Docker CLI: a registry's `credHelpers`
// entry names the helper that holds its credentials; otherwise an `auths`
// entry holds them; otherwise `credsStore` names the helper for every registry.
func credentialsFromFile(path, registry string) (credentials, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return credentials{}, false, nil
	}
	if err != nil {
		return credentials{}, false, fmt.Errorf("reading registry credentials: %w", err)
	}
	var file credentialFile
	if err := json.Unmarshal(data, &file); err != nil {
		return credentials{}, false, fmt.Errorf("reading registry credentials: %s is not valid JSON: %v", path, err)
	}
	host := credentialsKeyHost(registry)
	for key, helper := range file.CredHelpers {
		if credentialsKeyHost(key) == host {
			return credentialsFromHelper(helper, registry, path)
		}
	}
	for key, entry := range file.Auths {
		if credentialsKeyHost(key) != host {
			continue
		}
		if entry.Auth == "" {
			if entry.Username == "" && entry.Password == "" {
				break // `docker login` with a credsStore leaves an empty entry
			}
			return credentials{username: entry.Username, password: entry.Password, source: path}, true, nil
		}
		decoded, err := base64.StdEncoding.DecodeString(entry.Auth)
		username, password, found := strings.Cut(string(decoded), ":")
		if err != nil || !found {
			return credentials{}, false, fmt.Errorf(`reading registry credentials: the "auth" of %q in %s is not base64 of "user:password"`, key, path)
		}
		return credentials{username: username, password: password, source: path}, true, nil
	}
	if file.CredsStore != "" {
		return credentialsFromHelper(file.CredsStore, registry, path)
	}
	return credentials{}, false, nil
}

// credentialsFromHelper asks a docker-credential-<helper> program on PATH,
// with the protocol `docker login` uses: the server on stdin, JSON on stdout.
func credentialsFromHelper(helper, registry, configPath string) (credentials, bool, error) {
	program := "docker-credential-" + helper
	source := program + " (named in " + configPath + ")"
	fail := func(format string, args ...any) (credentials, bool, error) {
		return credentials{}, false, fmt.Errorf("reading registry credentials for %s from %s: %s", registry, source, fmt.Sprintf(format, args...))
	}
	executable, err := exec.LookPath(program)
	if err != nil {
		return fail("it is not on PATH; install it, or remove it from %s and log in again with `docker login %s`", configPath, registry)
	}
	server := registry
	if credentialsKeyHost(registry) == "docker.io" {
		server = "https://index.docker.io/v1/" // the key `docker login` stores Docker Hub under
	}
	command := exec.Command(executable, "get")
	command.Stdin = strings.NewReader(server)
	var stdout, stderr bytes.Buffer
	command.Stdout, command.Stderr = &stdout, &stderr
	if err := command.Run(); err != nil {
		// The protocol's answer for a server the helper holds nothing for.
		if strings.Contains(stdout.String(), "credentials not found") {
			return credentials{}, false, nil
		}
		message := strings.Join(strings.Fields(stderr.String()+" "+stdout.String()), " ")
		if message == "" {
			message = err.Error()
		}
		return fail("`%s get` failed: %s", program, message)
	}
	var answer struct {
		Username string `json:"Username"`
		Secret   string `json:"Secret"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &answer); err != nil {
		return fail("`%s get` did not answer with JSON credentials", program)
	}
	if answer.Username == "<token>" {
		return fail("it holds an identity token, which layertool cannot use; log in with a user name and a password or access token: `docker login %s`", registry)
	}
	return credentials{username: answer.Username, password: answer.Secret, source: source}, true, nil
}

// credentialsKeyHost reduces an `auths` key to a host: `docker login` writes
// bare hosts, older clients write URLs, and Docker Hub goes by several names.
func credentialsKeyHost(key string) string {
	host := strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	host, _, _ = strings.Cut(host, "/")
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return host
}

// ---------------------------------------------------------------- HTTP client

type retryPolicy struct {
	attempts  int
	baseDelay time.Duration // doubled after every failed attempt
}

var defaultRetryPolicy = retryPolicy{attempts: 4, baseDelay: 200 * time.Millisecond}

// delay is the wait after the given failed attempt (counted from 1).
func (p retryPolicy) delay(attempt int) time.Duration {
	return p.baseDelay << (attempt - 1)
}

// Token scopes a client asks for: pushing needs pull too, since a push
// checks which blobs the registry already has.
const (
	scopePull     = "pull"
	scopePullPush = "pull,push"
)

// registryClient talks to one repository. It is the only place that knows
// about authentication and retries, so pull and push behave alike.
type registryClient struct {
	repo        repository
	baseURL     string // scheme://host[:port]
	httpClient  *http.Client
	credentials credentials
	scope       string
	retry       retryPolicy
	// authorization is the header earned by the last challenge. It is reused
	// for later requests, which saves a 401 round trip on each of them.
	authorization string
}

func newRegistryClient(repo repository, insecure bool, scope string) (*registryClient, error) {
	creds, err := loadCredentials(repo.registry)
	if err != nil {
		return nil, err
	}
	scheme := "https"
	if insecure {
		scheme = "http"
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// A registry that accepts the connection but never answers must not hang
	// a build forever; bodies (layers) may take long, headers should not.
	transport.ResponseHeaderTimeout = 2 * time.Minute
	return &registryClient{
		repo:        repo,
		baseURL:     scheme + "://" + apiHost(repo.registry),
		httpClient:  &http.Client{Transport: transport},
		credentials: creds,
		scope:       scope,
		retry:       defaultRetryPolicy,
	}, nil
}

func (c *registryClient) scopeVerb() string {
	if c.scope == scopePull {
		return "pull from"
	}
	return "push to"
}

// repositoryURL is the URL of an API endpoint of the repository, such as
// ("manifests", digest) or ("blobs", "uploads", "").
func (c *registryClient) repositoryURL(parts ...string) string {
	return c.baseURL + "/v2/" + c.repo.path + "/" + strings.Join(parts, "/")
}

// registryRequest describes a request so that it can be sent again: its body
// is reopened for every attempt.
type registryRequest struct {
	method        string
	url           string
	accept        []string
	contentType   string
	contentLength int64
	body          func() (io.ReadCloser, error) // nil for no body
}

func bytesBody(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

func fileBody(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// do sends the request, answering one authentication challenge, and returns
// the response whatever its status; statusError explains unexpected ones.
func (c *registryClient) do(req registryRequest) (*http.Response, error) {
	resp, err := c.sendWithRetries(req, c.authorizationFor(req.url))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	authorization, err := c.answerChallenge(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		discardBody(resp)
		return nil, err
	}
	if authorization == "" {
		return resp, nil // nothing to answer with: the caller reports the 401
	}
	discardBody(resp)
	c.authorization = authorization
	// A second 401 means the credentials themselves were refused.
	return c.sendWithRetries(req, c.authorizationFor(req.url))
}

// authorizationFor keeps credentials on the registry's own host: an upload
// session or a blob may be redirected to storage elsewhere.
func (c *registryClient) authorizationFor(rawURL string) string {
	target, err := url.Parse(rawURL)
	if err != nil || target.Scheme+"://"+target.Host != c.baseURL {
		return ""
	}
	return c.authorization
}

// expect sends the request and turns any status but the wanted ones into an
// error that starts with action (e.g. "pushing manifest sha256:...").
func (c *registryClient) expect(req registryRequest, action string, wantStatus ...int) (*http.Response, error) {
	resp, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	for _, status := range wantStatus {
		if resp.StatusCode == status {
			return resp, nil
		}
	}
	defer discardBody(resp)
	return nil, c.statusError(resp, action)
}

// sendWithRetries retries 5xx, 429 and dropped connections with exponential
// backoff; the last response or error is returned as is.
func (c *registryClient) sendWithRetries(req registryRequest, authorization string) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.send(req, authorization)
		lastAttempt := attempt == c.retry.attempts
		switch {
		case err != nil && (lastAttempt || !isTransientNetworkError(err)):
			if lastAttempt {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return nil, err
		case err == nil && (lastAttempt || !isRetryableStatus(resp.StatusCode)):
			return resp, nil
		case err == nil:
			discardBody(resp)
		}
		time.Sleep(c.retry.delay(attempt))
	}
}

func (c *registryClient) send(req registryRequest, authorization string) (*http.Response, error) {
	// An empty body is sent as none, with "Content-Length: 0": net/http would
	// send a non-nil body of length 0 chunked, which some registries refuse.
	if req.contentLength == 0 {
		req.body = nil
	}
	var body io.ReadCloser
	if req.body != nil {
		var err error
		if body, err = req.body(); err != nil {
			return nil, err
		}
	}
	httpReq, err := http.NewRequest(req.method, req.url, body)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	if req.body != nil {
		httpReq.ContentLength = req.contentLength
		// Lets net/http resend the body when a registry redirects an upload (307).
		httpReq.GetBody = req.body
	}
	if req.contentType != "" {
		httpReq.Header.Set("Content-Type", req.contentType)
	}
	if len(req.accept) > 0 {
		httpReq.Header.Set("Accept", strings.Join(req.accept, ", "))
	}
	if authorization != "" {
		httpReq.Header.Set("Authorization", authorization)
	}
	httpReq.Header.Set("User-Agent", "go_oci-layertool")
	return c.httpClient.Do(httpReq)
}

func isRetryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// isTransientNetworkError is true for failures a second attempt may not see:
// a connection the registry (or a proxy in front of it) dropped or refused
// (a registry restarting, a load balancer between backends), or a timeout.
// A wrong address is refused too; it costs only the backoff to find out.
func isTransientNetworkError(err error) bool {
	var netErr net.Error
	return errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

func discardBody(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBodyBytes))
	resp.Body.Close()
}

// ---------------------------------------------------------------- authentication

// answerChallenge returns the Authorization header that answers a 401's
// WWW-Authenticate challenges, or "" when there is nothing to answer with.
func (c *registryClient) answerChallenge(challenges []string) (string, error) {
	var basic bool
	for _, header := range challenges {
		scheme, params := parseChallenge(header)
		switch strings.ToLower(scheme) {
		case "bearer":
			return c.fetchBearerToken(params)
		case "basic":
			basic = true
		}
	}
	if basic && c.credentials.present() {
		return "Basic " + basicAuth(c.credentials), nil
	}
	return "", nil
}

func basicAuth(creds credentials) string {
	return base64.StdEncoding.EncodeToString([]byte(creds.username + ":" + creds.password))
}

// fetchBearerToken runs the token flow of the Docker registry auth spec: ask
// the challenge's realm for a token for this repository, with Basic
// credentials when there are any (public images need none).
func (c *registryClient) fetchBearerToken(params map[string]string) (string, error) {
	realm, err := url.Parse(params["realm"])
	if err != nil || realm.Scheme == "" || realm.Host == "" {
		return "", fmt.Errorf("registry %s sent an authentication challenge without a usable realm (%q)", c.repo.registry, params["realm"])
	}
	query := realm.Query()
	if service := params["service"]; service != "" {
		query.Set("service", service)
	}
	ownScope := "repository:" + c.repo.path + ":" + c.scope
	query.Add("scope", ownScope)
	if scope := params["scope"]; scope != "" && scope != ownScope {
		query.Add("scope", scope)
	}
	realm.RawQuery = query.Encode()

	authorization := ""
	if c.credentials.present() {
		// A password goes over plain HTTP only where the registry itself is plain HTTP (--insecure).
		if realm.Scheme != "https" && !strings.HasPrefix(c.baseURL, "http://") {
			return "", fmt.Errorf("registry %s asks for credentials to be sent to %s, which is not HTTPS; refusing", c.repo.registry, realm.Redacted())
		}
		authorization = "Basic " + basicAuth(c.credentials)
	}
	resp, err := c.sendWithRetries(registryRequest{method: http.MethodGet, url: realm.String()}, authorization)
	if err != nil {
		return "", fmt.Errorf("getting a token from %s: %w", realm.Host, err)
	}
	defer discardBody(resp)
	if resp.StatusCode != http.StatusOK {
		return "", c.statusError(resp, "getting a token from "+realm.Host)
	}
	var token struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxManifestBytes)).Decode(&token); err != nil {
		return "", fmt.Errorf("getting a token from %s: the answer is not a token: %v", realm.Host, err)
	}
	if token.Token == "" {
		token.Token = token.AccessToken
	}
	if token.Token == "" {
		return "", fmt.Errorf("getting a token from %s: the answer holds no token", realm.Host)
	}
	return "Bearer " + token.Token, nil
}

// parseChallenge splits `Bearer realm="https://auth",service="x",scope="a:b:pull,push"`
// into its scheme and parameters. Values may be quoted and hold commas.
func parseChallenge(header string) (string, map[string]string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		key, afterKey, found := strings.Cut(rest, "=")
		if !found {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var value strings.Builder
		i := 0
		if strings.HasPrefix(afterKey, `"`) {
			for i = 1; i < len(afterKey) && afterKey[i] != '"'; i++ {
				if afterKey[i] == '\\' && i+1 < len(afterKey) {
					i++
				}
				value.WriteByte(afterKey[i])
			}
			i++ // the closing quote
		} else {
			for ; i < len(afterKey) && afterKey[i] != ','; i++ {
				value.WriteByte(afterKey[i])
			}
		}
		params[key] = strings.TrimSpace(value.String())
		rest = strings.TrimLeft(afterKey[min(i, len(afterKey)):], ", \t")
	}
	return scheme, params
}

// ---------------------------------------------------------------- errors

// statusError is the one-line message for an unexpected response, saying
// what to do about it where there is something to do.
func (c *registryClient) statusError(resp *http.Response, action string) error {
	code, detail := registryErrorDetail(resp)
	source := c.credentials.source
	if !c.credentials.present() {
		source = credentialFilesForMessage()
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && !c.credentials.present():
		return fmt.Errorf("%s: registry %s requires credentials and there are none for it in %s (%s); log in with `docker login %s`",
			action, c.repo.registry, source, detail, c.repo.registry)
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%s: registry %s refused the credentials for user %q from %s (%s); log in again with `docker login %s`",
			action, c.repo.registry, c.credentials.username, source, detail, c.repo.registry)
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: registry %s denied permission to %s %s (%s); log in as a user who may, with `docker login %s` (credentials are read from %s)",
			action, c.repo.registry, c.scopeVerb(), c.repo, detail, c.repo.registry, source)
	case resp.StatusCode == http.StatusNotFound && code == "NAME_UNKNOWN":
		return fmt.Errorf("%s: repository %s does not exist (%s); create it or check the repository name", action, c.repo, detail)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s: not found in repository %s (%s)", action, c.repo, detail)
	case isRetryableStatus(resp.StatusCode):
		return fmt.Errorf("%s: registry %s failed (%s; gave up after %d attempts)", action, c.repo.registry, detail, c.retry.attempts)
	default:
		return fmt.Errorf("%s: registry %s answered %s", action, c.repo.registry, detail)
	}
}

// registryErrorDetail quotes the status and the first entry of the
// distribution spec's error body ({"errors":[{"code":..,"message":..}]}).
func registryErrorDetail(resp *http.Response) (code, detail string) {
	detail = "HTTP " + resp.Status
	var body struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	if json.Unmarshal(data, &body) == nil && len(body.Errors) > 0 {
		code = body.Errors[0].Code
		detail += ": " + strings.TrimSpace(code+" "+body.Errors[0].Message)
	}
	// Keep the error on one line whatever the registry sends.
	return code, strings.Join(strings.Fields(detail), " ")
}

// ---------------------------------------------------------------- what moves

// blobFile is one blob or manifest to move: the digest the plugin's Python
// model computed, the size (of a blob; a manifest's is that of its bytes) and
// the file that holds it or is to hold it. The media type is a manifest's
// Content-Type when pushed.
type blobFile struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size,omitempty"`
	Path      string `json:"path"`
	MediaType string `json:"media_type,omitempty"`
}

func (b blobFile) validate() error {
	if err := validateSHA256Digest(b.Digest); err != nil {
		return err
	}
	if b.Size < 0 {
		return fmt.Errorf("%s has a negative size", b.Digest)
	}
	if b.Path == "" || filepath.IsAbs(b.Path) {
		return fmt.Errorf("%s: path %q must be relative to the working directory", b.Digest, b.Path)
	}
	return nil
}

func validateBlobFiles(files ...[]blobFile) error {
	for _, list := range files {
		for _, file := range list {
			if err := file.validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------- API operations

// fetchManifest GETs a manifest or index by digest and accepts it only if its
// bytes hash to that digest: a pin is worth nothing if anything else passes.
func (c *registryClient) fetchManifest(digest string) (data []byte, contentType string, err error) {
	action := "fetching manifest " + c.repo.String() + "@" + digest
	req := registryRequest{method: http.MethodGet, url: c.repositoryURL("manifests", digest), accept: manifestAccept}
	resp, err := c.expect(req, action, http.StatusOK)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxManifestBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", action, err)
	}
	if len(data) > maxManifestBytes {
		return nil, "", fmt.Errorf("%s: the manifest is larger than %d bytes", action, maxManifestBytes)
	}
	if err := copyVerified(io.Discard, bytes.NewReader(data), int64(len(data)), digest); err != nil {
		return nil, "", fmt.Errorf("%s: the registry sent %w", action, err)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// downloadBlob streams a blob into its file, checking size and digest on the
// way; a dropped connection restarts the download.
func (c *registryClient) downloadBlob(blob blobFile) error {
	action := "fetching blob " + c.repo.String() + "@" + blob.Digest
	req := registryRequest{method: http.MethodGet, url: c.repositoryURL("blobs", blob.Digest)}
	for attempt := 1; ; attempt++ {
		resp, err := c.expect(req, action, http.StatusOK)
		if err != nil {
			return err
		}
		err = writeAtomically(blob.Path, func(out io.Writer) error { return copyVerified(out, resp.Body, blob.Size, blob.Digest) })
		resp.Body.Close()
		if err == nil {
			return nil
		}
		var mismatch contentMismatch
		if errors.As(err, &mismatch) {
			return fmt.Errorf("%s: the registry sent %w", action, err)
		}
		if attempt == c.retry.attempts || !isTransientNetworkError(err) {
			return fmt.Errorf("%s: %w", action, err)
		}
		time.Sleep(c.retry.delay(attempt))
	}
}

// blobExists asks with HEAD, so that a push uploads only what is missing.
func (c *registryClient) blobExists(blob blobFile) (bool, error) {
	action := "checking for blob " + blob.Digest + " in " + c.repo.String()
	resp, err := c.do(registryRequest{method: http.MethodHead, url: c.repositoryURL("blobs", blob.Digest)})
	if err != nil {
		return false, fmt.Errorf("%s: %w", action, err)
	}
	defer discardBody(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, c.statusError(resp, action)
}

// uploadBlob opens an upload session (POST) and sends the whole blob in it
// with one PUT, the monolithic upload every registry supports.
func (c *registryClient) uploadBlob(blob blobFile) error {
	action := "uploading blob " + blob.Digest + " to " + c.repo.String()
	for restarted := false; ; restarted = true {
		location, err := c.startUpload(blob.Digest, action)
		if err != nil {
			return err
		}
		req := registryRequest{
			method:        http.MethodPut,
			url:           location,
			contentType:   "application/octet-stream",
			contentLength: blob.Size,
			body:          fileBody(blob.Path),
		}
		resp, err := c.do(req)
		if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		// A registry that lost the session (a restart, another node behind a
		// load balancer) answers 404 BLOB_UPLOAD_UNKNOWN; a new session works.
		if resp.StatusCode == http.StatusNotFound && !restarted {
			discardBody(resp)
			continue
		}
		defer discardBody(resp)
		if resp.StatusCode != http.StatusCreated {
			return c.statusError(resp, action)
		}
		return nil
	}
}

// startUpload opens a session and returns the absolute URL that completes it
// with the blob of that digest.
func (c *registryClient) startUpload(digest, action string) (string, error) {
	sessionsURL := c.repositoryURL("blobs", "uploads", "")
	resp, err := c.expect(registryRequest{method: http.MethodPost, url: sessionsURL}, action, http.StatusAccepted)
	if err != nil {
		return "", err
	}
	discardBody(resp)
	base, _ := url.Parse(sessionsURL)
	location, err := base.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		return "", fmt.Errorf("%s: registry %s opened an upload session without a usable Location (%q)", action, c.repo.registry, resp.Header.Get("Location"))
	}
	// The session's query (e.g. a state token) is kept byte for byte.
	digestParam := "digest=" + url.QueryEscape(digest)
	if location.RawQuery == "" {
		location.RawQuery = digestParam
	} else {
		location.RawQuery += "&" + digestParam
	}
	return location.String(), nil
}

// putManifest PUTs a manifest or index (whose bytes hash to digest) under its
// digest or a tag and returns the response's headers (OCI-Subject tells
// whether the referrers API is there).
func (c *registryClient) putManifest(reference, mediaType, digest string, data []byte) (http.Header, error) {
	action := "pushing manifest " + digest + " to " + c.repo.String()
	if reference != digest {
		action = "tagging " + c.repo.String() + ":" + reference + " as " + digest
	}
	req := registryRequest{
		method:        http.MethodPut,
		url:           c.repositoryURL("manifests", reference),
		contentType:   mediaType,
		contentLength: int64(len(data)),
		body:          bytesBody(data),
	}
	resp, err := c.expect(req, action, http.StatusCreated, http.StatusOK)
	if err != nil {
		return nil, err
	}
	discardBody(resp)
	// A registry that rewrote the manifest would leave the tag on other bytes
	// than the ones whose digest was printed.
	if stored := resp.Header.Get("Docker-Content-Digest"); stored != "" && stored != digest {
		return nil, fmt.Errorf("%s: registry %s stored it as %s, so it changed the manifest's bytes", action, c.repo.registry, stored)
	}
	return resp.Header, nil
}
