// Command layertool moves the bytes of OCI images: it writes layers and other
// tarballs whose bytes are a pure function of their inputs, and it fetches
// from and pushes to registries. Every document it moves (configs, manifests,
// indexes, the SBOM and its referrer) is written and parsed by the plugin's
// Python model; layertool never builds one, and is given every file's path.
//
// It exists because layer digests must not depend on the host: Python's zlib
// binding produces different gzip streams on different zlib versions, while
// compress/gzip is fixed by the Go SDK this tool is compiled with, and that SDK
// is pinned by the build.
//
// SPEC.json of `layer` and `archive` is
// {"entries": [{"path": "app/hello", "type": "file", "src": "bin/hello", "mode": "0755"}, ...]}
// with type one of file, dir, symlink; "src" (files only) is relative to the
// working directory; "digest" (files only, optional) is the sha256 the source's
// content must hash to; "target" is a symlink's target; "mode" is an octal
// string or a JSON number; "uid" and "gid" are the numeric owner, root (0) if
// absent. Parent directories that are not listed get mode 0755 and root.
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
  layertool archive [--mtime SECONDS] SPEC.json OUT.tar
  layertool fetch [--insecure] HOST[:PORT]/PATH FETCH.json
  layertool push [--insecure] [--report FILE [--merge-report]] PUSH.json HOST[:PORT]/PATH [TAG]...
`

const (
	defaultDirMode    = 0o755
	defaultFileMode   = 0o644
	symlinkMode       = 0o777
	defaultGzipLevel  = 6
	maxPermissionBits = 0o7777
	maxID             = 1<<31 - 1 // the largest owner every tar reader (and a 32-bit int) holds
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
	case "archive":
		return runArchive(args[1:])
	case "fetch":
		return runFetch(args[1:], stdout)
	case "push":
		return runPush(args[1:], stdout)
	default:
		return usageError{fmt.Sprintf("unknown subcommand %q", args[0])}
	}
}

// ---------------------------------------------------------------- tarballs: layer, archive

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
	Digest string    `json:"digest,omitempty"`
	Mode   fileMode  `json:"mode"`
	Target string    `json:"target,omitempty"`
	// Pointers tell an absent owner (root) from a negative one.
	UID *int64 `json:"uid,omitempty"`
	GID *int64 `json:"gid,omitempty"`
}

type tarSpec struct {
	Entries []specEntry `json:"entries"`
}

// tarEntry is a validated entry, including implied parent directories.
type tarEntry struct {
	path     string
	kind     entryType
	src      string
	digest   string // what src must hash to, if set
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

// tarCommand parses the flags and arguments `layer` and `archive` share.
type tarCommand struct {
	flags             *flag.FlagSet
	mtime             *int64
	specPath, outPath string
}

func newTarCommand(name string) tarCommand {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	return tarCommand{flags: flags, mtime: flags.Int64("mtime", 0, "modification time of every entry, in seconds since the Unix epoch")}
}

func (c *tarCommand) parse(args []string, arguments string) error {
	if err := c.flags.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if c.flags.NArg() != 2 {
		return usageError{fmt.Sprintf("%s takes %s", c.flags.Name(), arguments)}
	}
	c.specPath, c.outPath = c.flags.Arg(0), c.flags.Arg(1)
	return nil
}

// entries reads SPEC.json: validated entries, implied parents added, sorted by path.
func (c *tarCommand) entries() ([]tarEntry, error) {
	var spec tarSpec
	if err := readSpec(c.specPath, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", c.specPath, err)
	}
	entries, err := resolveEntries(spec.Entries)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.specPath, err)
	}
	return entries, nil
}

// runLayer writes a gzipped layer and prints its digest, size and diff_id:
// the layer's OCI descriptor and config entry are the Python model's to write.
func runLayer(args []string, stdout io.Writer) error {
	command := newTarCommand("layer")
	level := command.flags.Int("level", defaultGzipLevel, "gzip compression level, 1-9")
	if err := command.parse(args, "SPEC.json and OUT.tar.gz"); err != nil {
		return err
	}
	if *level < gzip.BestSpeed || *level > gzip.BestCompression {
		return usageError{fmt.Sprintf("--level must be between 1 and 9, got %d", *level)}
	}
	entries, err := command.entries()
	if err != nil {
		return err
	}
	var result layerResult
	err = writeAtomically(command.outPath, func(out io.Writer) (err error) {
		result, err = writeLayer(out, entries, time.Unix(*command.mtime, 0), *level)
		return err
	})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(result)
}

// runArchive writes an uncompressed tarball, such as a docker-archive, whose
// files are copied from sources checked against their digests.
func runArchive(args []string) error {
	command := newTarCommand("archive")
	if err := command.parse(args, "SPEC.json and OUT.tar"); err != nil {
		return err
	}
	entries, err := command.entries()
	if err != nil {
		return err
	}
	return writeAtomically(command.outPath, func(out io.Writer) error {
		return writeTar(out, entries, time.Unix(*command.mtime, 0))
	})
}

// resolveEntries validates the spec, adds implied parent directories and
// returns the entries sorted by path. Sorting by the path without a trailing
// slash puts every directory before its contents, since a prefix sorts first.
func resolveEntries(specEntries []specEntry) ([]tarEntry, error) {
	byPath := map[string]*tarEntry{}
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
				byPath[parent] = &tarEntry{path: parent, kind: typeDir, mode: defaultDirMode}
				continue
			}
			if existing.kind != typeDir {
				return nil, fmt.Errorf("path %q is a %s but %q needs it to be a directory", parent, existing.kind, entry.path)
			}
		}
	}
	entries := make([]tarEntry, 0, len(byPath))
	for _, entry := range byPath {
		entries = append(entries, *entry)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	return entries, nil
}

func validateEntry(spec specEntry) (tarEntry, error) {
	if err := validateImagePath(spec.Path); err != nil {
		return tarEntry{}, err
	}
	entry := tarEntry{path: spec.Path, kind: spec.Type, mode: spec.Mode.value, explicit: true}
	if spec.Mode.set && (spec.Mode.value < 0 || spec.Mode.value > maxPermissionBits) {
		return tarEntry{}, fmt.Errorf("mode %o is outside 0000-7777", spec.Mode.value)
	}
	var err error
	if entry.uid, err = ownerID("uid", spec.UID); err != nil {
		return tarEntry{}, err
	}
	if entry.gid, err = ownerID("gid", spec.GID); err != nil {
		return tarEntry{}, err
	}
	switch spec.Type {
	case typeFile:
		if spec.Src == "" {
			return tarEntry{}, errors.New(`a file needs "src"`)
		}
		// An absolute source path would tie the spec (and so the cache key) to one machine.
		if filepath.IsAbs(spec.Src) {
			return tarEntry{}, fmt.Errorf("src %q must be relative to the working directory", spec.Src)
		}
		if spec.Target != "" {
			return tarEntry{}, errors.New(`"target" is only for symlinks`)
		}
		if spec.Digest != "" {
			if err := validateSHA256Digest(spec.Digest); err != nil {
				return tarEntry{}, err
			}
		}
		entry.src, entry.digest = spec.Src, spec.Digest
		if !spec.Mode.set {
			entry.mode = defaultFileMode
		}
	case typeDir:
		if spec.Src != "" || spec.Target != "" || spec.Digest != "" {
			return tarEntry{}, errors.New(`a dir takes neither "src", "digest" nor "target"`)
		}
		if !spec.Mode.set {
			entry.mode = defaultDirMode
		}
	case typeSymlink:
		if spec.Target == "" {
			return tarEntry{}, errors.New(`a symlink needs "target"`)
		}
		if spec.Src != "" || spec.Digest != "" {
			return tarEntry{}, errors.New(`"src" and "digest" are only for files`)
		}
		entry.target = spec.Target
		// Symlink permissions are ignored by Linux; a fixed value keeps bytes stable.
		entry.mode = symlinkMode
	default:
		return tarEntry{}, fmt.Errorf("type %q must be one of file, dir, symlink", spec.Type)
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

func writeLayer(out io.Writer, entries []tarEntry, mtime time.Time, level int) (layerResult, error) {
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
	if err := writeTar(io.MultiWriter(gz, diffID), entries, mtime); err != nil {
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

func writeTar(out io.Writer, entries []tarEntry, mtime time.Time) error {
	tw := tar.NewWriter(out)
	for _, entry := range entries {
		if err := writeTarEntry(tw, entry, mtime); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeTarEntry(tw *tar.Writer, entry tarEntry, mtime time.Time) error {
	switch entry.kind {
	case typeDir:
		return tw.WriteHeader(entryHeader(entry.path+"/", tar.TypeDir, entry, 0, mtime))
	case typeSymlink:
		header := entryHeader(entry.path, tar.TypeSymlink, entry, 0, mtime)
		header.Linkname = entry.target
		return tw.WriteHeader(header)
	default:
		return copyFileEntry(tw, entry, mtime)
	}
}

// entryHeader carries only what the entry defines: its numeric owner but no
// owner names (runtimes go by the numbers), no access/change times, no
// extended attributes, so nothing of the host leaks in.
func entryHeader(name string, typeflag byte, entry tarEntry, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{
		Typeflag: typeflag,
		Name:     name,
		Mode:     entry.mode,
		Uid:      int(entry.uid),
		Gid:      int(entry.gid),
		Size:     size,
		ModTime:  mtime,
		// PAX (never GNU) is used only when a name or link exceeds USTAR limits.
		Format: tar.FormatPAX,
	}
}

func copyFileEntry(tw *tar.Writer, entry tarEntry, mtime time.Time) error {
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
	if err := tw.WriteHeader(entryHeader(name, tar.TypeReg, entry, info.Size(), mtime)); err != nil {
		return err
	}
	if err := copyVerified(tw, file, info.Size(), entry.digest); err != nil {
		var mismatch contentMismatch
		if errors.As(err, &mismatch) {
			return fmt.Errorf("source of %q: %s holds %w", name, src, err)
		}
		return fmt.Errorf("source of %q: %w", name, err)
	}
	return nil
}

// ---------------------------------------------------------------- shared

// sha256Digest is how layertool names content: "sha256:" and the hex of its hash.
func sha256Digest(h hash.Hash) string {
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// validateSHA256Digest runs before a digest names a file or a URL:
// "sha256:../../x" must go nowhere.
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

// contentMismatch says how copied content differs from what was expected,
// as the object of a sentence: "the registry sent <it>", "<file> holds <it>".
type contentMismatch struct{ detail string }

func (m contentMismatch) Error() string { return m.detail }

// copyVerified copies exactly size bytes and, when digest is set, fails with
// a contentMismatch unless they hash to it; it stops as soon as the source
// runs past the size.
func copyVerified(out io.Writer, source io.Reader, size int64, digest string) error {
	hasher := sha256.New()
	if digest != "" {
		out = io.MultiWriter(hasher, out)
	}
	copied, err := io.Copy(out, io.LimitReader(source, size+1))
	switch {
	case errors.Is(err, tar.ErrWriteTooLong) || copied > size:
		return contentMismatch{fmt.Sprintf("more than the %d bytes expected", size)}
	case err != nil:
		return err
	case copied != size:
		return contentMismatch{fmt.Sprintf("%d bytes, not the %d expected", copied, size)}
	}
	if digest == "" {
		return nil
	}
	if got := sha256Digest(hasher); got != digest {
		return contentMismatch{fmt.Sprintf("content that hashes to %s, not %s", got, digest)}
	}
	return nil
}

// readVerified reads a small file (a manifest) that must hash to digest.
func readVerified(path, digest string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := copyVerified(io.Discard, bytes.NewReader(data), int64(len(data)), digest); err != nil {
		return nil, fmt.Errorf("%s holds %w", path, err)
	}
	return data, nil
}

// readSpec decodes a JSON spec the plugin wrote, refusing unknown keys: a
// misspelt one ("target" vs "link") would otherwise silently change the result.
func readSpec(specPath string, spec any) error {
	data, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(spec); err != nil {
		return fmt.Errorf("invalid spec: %w", err)
	}
	return nil
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
