// Command layertool writes OCI image layers and docker-archive tarballs whose
// bytes are a pure function of their inputs.
//
// It exists because layer digests must not depend on the host: Python's zlib
// binding produces different gzip streams on different zlib versions, while
// compress/gzip is fixed by the Go SDK this tool is compiled with, and that SDK
// is pinned by the build.
//
// Usage:
//
//	layertool layer [--mtime SECONDS] [--level 1-9] SPEC.json OUT.tar.gz
//	layertool layer [--mtime SECONDS] [--level 1-9] --blob-dir DIR SPEC.json
//	layertool docker-archive LAYOUT_DIR MANIFEST_DIGEST REPO:TAG OUT.tar
//
// SPEC.json is {"entries": [{"path": "app/hello", "type": "file", "src": "bin/hello", "mode": "0755"}, ...]}
// with type one of file, dir, symlink; "src" (files only) is relative to the
// working directory; "target" is a symlink's target; "mode" is an octal string
// or a JSON number; "uid" and "gid" are the numeric owner, root (0) if absent.
// Parent directories that are not listed get mode 0755 and root.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const usage = `usage:
  layertool layer [--mtime SECONDS] [--level 1-9] SPEC.json OUT.tar.gz
  layertool layer [--mtime SECONDS] [--level 1-9] --blob-dir DIR SPEC.json
  layertool docker-archive LAYOUT_DIR MANIFEST_DIGEST REPO:TAG OUT.tar
  layertool pull [--insecure] [--platform OS/ARCH[/VARIANT]]... HOST[:PORT]/PATH@sha256:HEX OUT_LAYOUT_DIR
  layertool push [--insecure] [--sbom SBOM.spdx.json] LAYOUT_DIR HOST[:PORT]/PATH [TAG]...
`

const (
	defaultDirMode     = 0o755
	defaultFileMode    = 0o644
	symlinkMode        = 0o777
	defaultGzipLevel   = 6
	maxPermissionBits  = 0o7777
	maxID              = 1<<31 - 1 // the largest owner every tar reader (and a 32-bit int) holds
	ociManifestType    = "application/vnd.oci.image.manifest.v1+json"
	dockerManifestType = "application/vnd.docker.distribution.manifest.v2+json"
)

// usageError is reported with the usage text and exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "layertool: %v\n", err)
		var uerr usageError
		if errors.As(err, &uerr) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"missing subcommand"}
	}
	switch args[0] {
	case "layer":
		return runLayer(args[1:], stdout)
	case "docker-archive":
		return runDockerArchive(args[1:])
	case "pull":
		return runPull(args[1:], stdout)
	case "push":
		return runPush(args[1:], stdout)
	default:
		return usageError{fmt.Sprintf("unknown subcommand %q", args[0])}
	}
}

// ---------------------------------------------------------------- layer

type entryType string

const (
	typeFile    entryType = "file"
	typeDir     entryType = "dir"
	typeSymlink entryType = "symlink"
)

// fileMode accepts either an octal string ("0755", "1777") or a JSON number
// holding the mode's value, because JSON has no octal literals.
type fileMode struct {
	value int64
	set   bool
}

func (m *fileMode) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err == nil {
		v, err := strconv.ParseInt(text, 8, 64)
		if err != nil {
			return fmt.Errorf("mode %q is not an octal number", text)
		}
		m.value, m.set = v, true
		return nil
	}
	var number int64
	if err := json.Unmarshal(data, &number); err != nil {
		return fmt.Errorf("mode %s must be an octal string like \"0755\" or an integer", data)
	}
	m.value, m.set = number, true
	return nil
}

type specEntry struct {
	Path   string    `json:"path"`
	Type   entryType `json:"type"`
	Src    string    `json:"src,omitempty"`
	Mode   fileMode  `json:"mode"`
	Target string    `json:"target,omitempty"`
	// Pointers tell an absent owner (root) from a negative one.
	UID *int64 `json:"uid,omitempty"`
	GID *int64 `json:"gid,omitempty"`
}

type layerSpec struct {
	Entries []specEntry `json:"entries"`
}

// layerEntry is a validated entry, including implied parent directories.
type layerEntry struct {
	path     string
	kind     entryType
	src      string
	mode     int64
	target   string
	uid, gid int64
	explicit bool
}

type layerResult struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
	DiffID string `json:"diff_id"`
}

func runLayer(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("layer", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	mtime := flags.Int64("mtime", 0, "modification time of every entry, in seconds since the Unix epoch")
	level := flags.Int("level", defaultGzipLevel, "gzip compression level, 1-9")
	// A layout's blob is named by its digest, which is known only once it is written.
	blobDir := flags.String("blob-dir", "", "write the layer to DIR/sha256/<hex> of an OCI layout instead of OUT.tar.gz")
	if err := flags.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	wantArgs := 2
	if *blobDir != "" {
		wantArgs = 1
	}
	if flags.NArg() != wantArgs {
		return usageError{"layer takes SPEC.json and OUT.tar.gz, or --blob-dir DIR and SPEC.json"}
	}
	if *level < gzip.BestSpeed || *level > gzip.BestCompression {
		return usageError{fmt.Sprintf("--level must be between 1 and 9, got %d", *level)}
	}
	specPath := flags.Arg(0)
	var outPath string
	if *blobDir != "" {
		if err := os.MkdirAll(filepath.Join(*blobDir, "sha256"), 0o755); err != nil {
			return err
		}
		outPath = filepath.Join(*blobDir, "sha256", ".layer.tar.gz")
	} else {
		outPath = flags.Arg(1)
	}

	entries, err := readLayerSpec(specPath)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	var result layerResult
	err = writeAtomically(outPath, func(out io.Writer) error {
		result, err = writeLayer(out, entries, time.Unix(*mtime, 0), *level)
		return err
	})
	if err != nil {
		return err
	}
	if *blobDir != "" {
		named := filepath.Join(*blobDir, "sha256", strings.TrimPrefix(result.Digest, "sha256:"))
		if err := os.Rename(outPath, named); err != nil {
			return err
		}
	}
	return json.NewEncoder(stdout).Encode(result)
}

func readLayerSpec(specPath string) ([]layerEntry, error) {
	data, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	// A misspelt key ("target" vs "link") would otherwise silently produce a wrong layer.
	decoder.DisallowUnknownFields()
	var spec layerSpec
	if err := decoder.Decode(&spec); err != nil {
		return nil, fmt.Errorf("invalid layer spec: %w", err)
	}
	return resolveEntries(spec.Entries)
}

// resolveEntries validates the spec, adds implied parent directories and
// returns the entries sorted by path. Sorting by the path without a trailing
// slash puts every directory before its contents, since a prefix sorts first.
func resolveEntries(specEntries []specEntry) ([]layerEntry, error) {
	byPath := map[string]*layerEntry{}
	for i, spec := range specEntries {
		entry, err := validateEntry(spec)
		if err != nil {
			return nil, fmt.Errorf("entry %d (%q): %w", i, spec.Path, err)
		}
		if existing, ok := byPath[entry.path]; ok {
			if existing.explicit {
				return nil, fmt.Errorf("path %q is listed more than once", entry.path)
			}
			if entry.kind != typeDir {
				return nil, fmt.Errorf("path %q is a %s but other entries use it as a directory", entry.path, entry.kind)
			}
		}
		byPath[entry.path] = &entry
		for parent := path.Dir(entry.path); parent != "."; parent = path.Dir(parent) {
			existing, ok := byPath[parent]
			if !ok {
				byPath[parent] = &layerEntry{path: parent, kind: typeDir, mode: defaultDirMode}
				continue
			}
			if existing.kind != typeDir {
				return nil, fmt.Errorf("path %q is a %s but %q needs it to be a directory", parent, existing.kind, entry.path)
			}
		}
	}
	entries := make([]layerEntry, 0, len(byPath))
	for _, entry := range byPath {
		entries = append(entries, *entry)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	return entries, nil
}

func validateEntry(spec specEntry) (layerEntry, error) {
	if err := validateImagePath(spec.Path); err != nil {
		return layerEntry{}, err
	}
	entry := layerEntry{path: spec.Path, kind: spec.Type, mode: spec.Mode.value, explicit: true}
	if spec.Mode.set && (spec.Mode.value < 0 || spec.Mode.value > maxPermissionBits) {
		return layerEntry{}, fmt.Errorf("mode %o is outside 0000-7777", spec.Mode.value)
	}
	var err error
	if entry.uid, err = ownerID("uid", spec.UID); err != nil {
		return layerEntry{}, err
	}
	if entry.gid, err = ownerID("gid", spec.GID); err != nil {
		return layerEntry{}, err
	}
	switch spec.Type {
	case typeFile:
		if spec.Src == "" {
			return layerEntry{}, errors.New(`a file needs "src"`)
		}
		// An absolute source path would tie the spec (and so the cache key) to one machine.
		if filepath.IsAbs(spec.Src) {
			return layerEntry{}, fmt.Errorf("src %q must be relative to the working directory", spec.Src)
		}
		if spec.Target != "" {
			return layerEntry{}, errors.New(`"target" is only for symlinks`)
		}
		entry.src = spec.Src
		if !spec.Mode.set {
			entry.mode = defaultFileMode
		}
	case typeDir:
		if spec.Src != "" || spec.Target != "" {
			return layerEntry{}, errors.New(`a dir takes neither "src" nor "target"`)
		}
		if !spec.Mode.set {
			entry.mode = defaultDirMode
		}
	case typeSymlink:
		if spec.Target == "" {
			return layerEntry{}, errors.New(`a symlink needs "target"`)
		}
		if spec.Src != "" {
			return layerEntry{}, errors.New(`"src" is only for files`)
		}
		entry.target = spec.Target
		// Symlink permissions are ignored by Linux; a fixed value keeps bytes stable.
		entry.mode = symlinkMode
	default:
		return layerEntry{}, fmt.Errorf("type %q must be one of file, dir, symlink", spec.Type)
	}
	return entry, nil
}

// ownerID is a declared uid or gid, root when absent.
func ownerID(name string, value *int64) (int64, error) {
	if value == nil {
		return 0, nil
	}
	if *value < 0 || *value > maxID {
		return 0, fmt.Errorf("%s %d is outside 0-%d", name, *value, maxID)
	}
	return *value, nil
}

func validateImagePath(p string) error {
	switch {
	case p == "":
		return errors.New("path is empty")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path must be relative to the image root, without a leading slash (use %q)", strings.TrimLeft(p, "/"))
	case p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return errors.New("path must name something inside the image root")
	case path.Clean(p) != p:
		return fmt.Errorf("path is not clean (use %q)", path.Clean(p))
	}
	return nil
}

func writeLayer(out io.Writer, entries []layerEntry, mtime time.Time, level int) (layerResult, error) {
	compressed := &countingWriter{w: out}
	digest := sha256.New()
	gz, err := gzip.NewWriterLevel(io.MultiWriter(compressed, digest), level)
	if err != nil {
		return layerResult{}, err
	}
	// The zero gzip.Header already has no name, comment or mtime; OS is
	// pinned so the header cannot vary with the build host.
	gz.Header.OS = 255
	diffID := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, diffID))
	for _, entry := range entries {
		if err := writeLayerEntry(tw, entry, mtime); err != nil {
			return layerResult{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return layerResult{}, err
	}
	if err := gz.Close(); err != nil {
		return layerResult{}, err
	}
	return layerResult{
		Digest: sha256Digest(digest),
		Size:   compressed.n,
		DiffID: sha256Digest(diffID),
	}, nil
}

func writeLayerEntry(tw *tar.Writer, entry layerEntry, mtime time.Time) error {
	switch entry.kind {
	case typeDir:
		return tw.WriteHeader(ownedHeader(entry.path+"/", tar.TypeDir, entry, 0, mtime))
	case typeSymlink:
		header := ownedHeader(entry.path, tar.TypeSymlink, entry, 0, mtime)
		header.Linkname = entry.target
		return tw.WriteHeader(header)
	default:
		return copyFileEntry(tw, entry, mtime)
	}
}

// ownedHeader is fixedHeader with the entry's declared numeric owner; owner
// names stay empty, as runtimes go by the numbers.
func ownedHeader(name string, typeflag byte, entry layerEntry, size int64, mtime time.Time) *tar.Header {
	header := fixedHeader(name, typeflag, entry.mode, size, mtime)
	header.Uid, header.Gid = int(entry.uid), int(entry.gid)
	return header
}

func copyFileEntry(tw *tar.Writer, entry layerEntry, mtime time.Time) error {
	name, src := entry.path, entry.src
	file, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("source of %q: %w", name, err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("source of %q: %s is not a regular file", name, src)
	}
	if err := tw.WriteHeader(ownedHeader(name, tar.TypeReg, entry, info.Size(), mtime)); err != nil {
		return err
	}
	copied, err := io.Copy(tw, file)
	if errors.Is(err, tar.ErrWriteTooLong) || (err == nil && copied != info.Size()) {
		return fmt.Errorf("source of %q: %s changed size while being read", name, src)
	}
	if err != nil {
		return fmt.Errorf("source of %q: %w", name, err)
	}
	return nil
}

// fixedHeader carries only what the entry's content defines: no owner names,
// no access/change times, no extended attributes, so nothing of the host leaks in.
func fixedHeader(name string, typeflag byte, mode, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{
		Typeflag: typeflag,
		Name:     name,
		Mode:     mode,
		Size:     size,
		ModTime:  mtime,
		// PAX (never GNU) is used only when a name or link exceeds USTAR limits.
		Format: tar.FormatPAX,
	}
}

// ---------------------------------------------------------------- docker-archive

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

type imageManifest struct {
	MediaType string       `json:"mediaType"`
	Config    descriptor   `json:"config"`
	Layers    []descriptor `json:"layers"`
	Manifests []descriptor `json:"manifests"`
}

// dockerArchiveImage is one element of a docker-archive's manifest.json.
type dockerArchiveImage struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func runDockerArchive(args []string) error {
	if len(args) != 4 {
		return usageError{"docker-archive takes LAYOUT_DIR MANIFEST_DIGEST REPO:TAG OUT.tar"}
	}
	layoutDir, manifestDigest, repoTag, outPath := args[0], args[1], args[2], args[3]
	if err := validateRepoTag(repoTag); err != nil {
		return err
	}
	manifestBytes, err := readBlob(layoutDir, manifestDigest)
	if err != nil {
		return err
	}
	var manifest imageManifest
	if err := json.Unmarshal(manifestBytes, &manifest); err != nil {
		return fmt.Errorf("manifest %s: %w", manifestDigest, err)
	}
	if manifest.Manifests != nil {
		return fmt.Errorf("%s is an image index; pass the digest of one platform's manifest", manifestDigest)
	}
	if manifest.MediaType != ociManifestType && manifest.MediaType != dockerManifestType {
		return fmt.Errorf("manifest %s has media type %q, want %q", manifestDigest, manifest.MediaType, ociManifestType)
	}

	blobs := []descriptor{manifest.Config}
	image := dockerArchiveImage{Config: blobPath(manifest.Config.Digest), RepoTags: []string{repoTag}, Layers: []string{}}
	for _, layer := range manifest.Layers {
		blobs = append(blobs, layer)
		image.Layers = append(image.Layers, blobPath(layer.Digest))
	}
	manifestJSON, err := json.Marshal([]dockerArchiveImage{image})
	if err != nil {
		return err
	}
	return writeAtomically(outPath, func(out io.Writer) error {
		return writeDockerArchive(out, layoutDir, blobs, manifestJSON)
	})
}

func validateRepoTag(repoTag string) error {
	lastSlash := strings.LastIndex(repoTag, "/")
	colon := strings.LastIndex(repoTag, ":")
	if colon <= lastSlash+1 || colon == len(repoTag)-1 {
		return fmt.Errorf("REPO:TAG %q must be a repository and a tag, like \"acme/greeter:latest\"", repoTag)
	}
	return nil
}

// writeDockerArchive writes the docker save layout: blobs/sha256/<hex> for the
// config and every layer (in digest order, once each), then manifest.json.
func writeDockerArchive(out io.Writer, layoutDir string, blobs []descriptor, manifestJSON []byte) error {
	unique := map[string]descriptor{}
	for _, blob := range blobs {
		if err := validateSHA256Digest(blob.Digest); err != nil {
			return err
		}
		unique[blob.Digest] = blob
	}
	digests := make([]string, 0, len(unique))
	for digest := range unique {
		digests = append(digests, digest)
	}
	sort.Strings(digests)

	epoch := time.Unix(0, 0)
	tw := tar.NewWriter(out)
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(fixedHeader(dir, tar.TypeDir, defaultDirMode, 0, epoch)); err != nil {
			return err
		}
	}
	for _, digest := range digests {
		if err := copyVerifiedBlob(tw, layoutDir, unique[digest], epoch); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(fixedHeader("manifest.json", tar.TypeReg, defaultFileMode, int64(len(manifestJSON)), epoch)); err != nil {
		return err
	}
	if _, err := tw.Write(manifestJSON); err != nil {
		return err
	}
	return tw.Close()
}

// copyVerifiedBlob streams a blob into the archive and fails if its bytes do
// not match the descriptor, so a corrupt layout never yields a loadable archive.
func copyVerifiedBlob(tw *tar.Writer, layoutDir string, blob descriptor, mtime time.Time) error {
	file, err := os.Open(filepath.Join(layoutDir, filepath.FromSlash(blobPath(blob.Digest))))
	if err != nil {
		return fmt.Errorf("blob %s: %w", blob.Digest, err)
	}
	defer file.Close()
	if err := tw.WriteHeader(fixedHeader(blobPath(blob.Digest), tar.TypeReg, defaultFileMode, blob.Size, mtime)); err != nil {
		return err
	}
	hasher := sha256.New()
	copied, err := io.Copy(io.MultiWriter(tw, hasher), file)
	if errors.Is(err, tar.ErrWriteTooLong) {
		return fmt.Errorf("blob %s: has more bytes than its descriptor's %d", blob.Digest, blob.Size)
	}
	if err != nil {
		return fmt.Errorf("blob %s: %w", blob.Digest, err)
	}
	if copied != blob.Size {
		return fmt.Errorf("blob %s: has %d bytes, its descriptor says %d", blob.Digest, copied, blob.Size)
	}
	if got := sha256Digest(hasher); got != blob.Digest {
		return fmt.Errorf("blob %s: content hashes to %s", blob.Digest, got)
	}
	return nil
}

func readBlob(layoutDir, digest string) ([]byte, error) {
	if err := validateSHA256Digest(digest); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(layoutDir, filepath.FromSlash(blobPath(digest))))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", digest, err)
	}
	sum := sha256.Sum256(data)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != digest {
		return nil, fmt.Errorf("blob %s: content hashes to %s", digest, got)
	}
	return data, nil
}

func validateSHA256Digest(digest string) error {
	hexPart, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexPart) != sha256.Size*2 || strings.ToLower(hexPart) != hexPart {
		return fmt.Errorf("digest %q must be \"sha256:\" and 64 lowercase hex digits", digest)
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return fmt.Errorf("digest %q must be \"sha256:\" and 64 lowercase hex digits", digest)
	}
	return nil
}

func blobPath(digest string) string {
	return "blobs/sha256/" + strings.TrimPrefix(digest, "sha256:")
}

// ---------------------------------------------------------------- shared

func sha256Digest(h hash.Hash) string {
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeAtomically writes to a temporary file next to outPath and renames it
// into place only on success, so a failure never leaves a half-written output.
func writeAtomically(outPath string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(outPath), ".layertool-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buffered := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(buffered); err != nil {
		return err
	}
	if err = buffered.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), outPath)
}
