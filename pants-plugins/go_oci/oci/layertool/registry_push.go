// `layertool push`: an image to a registry, in an order that never lets a tag
// point at something incomplete. The blobs, the manifests and the SBOM's
// referrer manifest are files the plugin's Python model wrote, pushed as they
// are under the digests it computed.

package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// pushSpec is PUSH.json.
type pushSpec struct {
	Blobs     []blobFile `json:"blobs"`     // configs and layers, each once
	Manifests []blobFile `json:"manifests"` // in the order they are pushed; the last is the image the tags name
	// An artifact whose subject is the image: pushed after it, before the tags.
	SBOM *referrerSpec `json:"sbom,omitempty"`
}

type referrerSpec struct {
	Blobs    []blobFile `json:"blobs"`
	Manifest blobFile   `json:"manifest"`
	// The tag that names the referrer on a registry without the referrers API
	// (the sha256-<hex>.sbom scheme that clients such as cosign look up).
	FallbackTag string `json:"fallback_tag"`
}

func runPush(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("push", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	insecure := flags.Bool("insecure", false, "talk plain HTTP to the registry instead of HTTPS")
	// The publish goal cannot capture a push's output, so the references also go to a file it names.
	reportPath := flags.String("report", "", "once the push has succeeded, replace this file with the JSON lines printed on stdout; a failed push leaves it as it was")
	mergeReport := flags.Bool("merge-report", false, "keep the tags --report already lists when it reports this same image (the publish goal runs one push per tag)")
	if err := flags.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if flags.NArg() < 2 {
		return usageError{"push takes PUSH.json, REPOSITORY and any number of TAGs"}
	}
	specPath, tags := flags.Arg(0), flags.Args()[2:]
	repo, err := parseRepository(flags.Arg(1))
	if err != nil {
		return usageError{err.Error()}
	}
	for _, tag := range tags {
		if err := validateTag(tag); err != nil {
			return usageError{err.Error()}
		}
	}
	spec, manifests, err := readPushSpec(specPath)
	if err != nil {
		return err
	}
	client, err := newRegistryClient(repo, *insecure, scopePullPush)
	if err != nil {
		return err
	}
	pusher := &imagePusher{client: client, manifests: manifests, report: json.NewEncoder(stdout)}
	if err := pusher.push(spec, tags); err != nil {
		return err
	}
	if *reportPath != "" {
		if err := writeReport(*reportPath, pusher.lines, *mergeReport); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	return nil
}

// readPushSpec reads PUSH.json and checks every file it names, so that a
// missing or truncated blob, or a manifest that is not what its digest says,
// fails before any request. It returns the manifests' bytes by digest.
func readPushSpec(specPath string) (pushSpec, map[string][]byte, error) {
	var spec pushSpec
	if err := readSpec(specPath, &spec); err != nil {
		return pushSpec{}, nil, err
	}
	if len(spec.Manifests) == 0 {
		return pushSpec{}, nil, fmt.Errorf("%s lists no manifest to push", specPath)
	}
	manifests, blobs := spec.Manifests, spec.Blobs
	if spec.SBOM != nil {
		if err := validateTag(spec.SBOM.FallbackTag); err != nil {
			return pushSpec{}, nil, err
		}
		manifests = append(slices.Clone(manifests), spec.SBOM.Manifest)
		blobs = append(slices.Clone(blobs), spec.SBOM.Blobs...)
	}
	data := map[string][]byte{}
	for _, manifest := range manifests {
		if err := manifest.validate(); err != nil {
			return pushSpec{}, nil, err
		}
		if manifest.MediaType == "" {
			return pushSpec{}, nil, fmt.Errorf("manifest %s has no media type to push it with", manifest.Digest)
		}
		content, err := readVerified(manifest.Path, manifest.Digest)
		if err != nil {
			return pushSpec{}, nil, fmt.Errorf("manifest %s: %w", manifest.Digest, err)
		}
		data[manifest.Digest] = content
	}
	for _, blob := range blobs {
		if err := checkBlobFile(blob); err != nil {
			return pushSpec{}, nil, err
		}
	}
	return spec, data, nil
}

// checkBlobFile catches a missing or truncated blob before anything is
// pushed; its digest is checked by the registry as it receives it.
func checkBlobFile(blob blobFile) error {
	if err := blob.validate(); err != nil {
		return err
	}
	info, err := os.Stat(blob.Path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob %s: %s does not exist", blob.Digest, blob.Path)
	}
	if err != nil {
		return fmt.Errorf("blob %s: %w", blob.Digest, err)
	}
	if info.Size() != blob.Size {
		return fmt.Errorf("blob %s: %s has %d bytes, %d expected", blob.Digest, blob.Path, info.Size(), blob.Size)
	}
	return nil
}

// writeReport replaces the report file in one rename, so that a reader (or a
// push that dies half-way) never sees it truncated. With merge, the tags the
// file already lists for this very image are kept, and its blob counts: they
// are those of the push that uploaded the image.
func writeReport(path string, lines []any, merge bool) error {
	if merge {
		lines = mergedReportLines(path, lines)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeAtomically(path, func(out io.Writer) error {
		encoder := json.NewEncoder(out)
		for _, line := range lines {
			if err := encoder.Encode(line); err != nil {
				return err
			}
		}
		return nil
	})
}

// mergedReportLines are this push's lines with the tags and blob counts an
// existing report of the same image adds; a report of another image, or one
// that cannot be read, is replaced.
func mergedReportLines(path string, lines []any) []any {
	data, err := os.ReadFile(path)
	if err != nil {
		return lines
	}
	var (
		pushed   pushedReport
		previous []tagReport
		counts   *blobCountReport
	)
	for i, text := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var fields map[string]json.RawMessage
		if json.Unmarshal([]byte(text), &fields) != nil {
			return lines
		}
		switch {
		case i == 0 && fields["pushed"] != nil:
			json.Unmarshal([]byte(text), &pushed)
		case fields["tag"] != nil:
			var tag tagReport
			json.Unmarshal([]byte(text), &tag)
			previous = append(previous, tag)
		case fields["blobs_uploaded"] != nil:
			counts = &blobCountReport{}
			json.Unmarshal([]byte(text), counts)
		}
	}
	if len(lines) == 0 || lines[0] != any(pushed) {
		return lines
	}
	merged := []any{}
	added := false
	for _, line := range lines {
		switch line.(type) {
		case tagReport:
			if !added {
				added = true
				for _, tag := range previous {
					if !containsLine(lines, tag) {
						merged = append(merged, tag)
					}
				}
			}
		case blobCountReport:
			if counts != nil {
				line = *counts
			}
		}
		merged = append(merged, line)
	}
	return merged
}

func containsLine(lines []any, line any) bool {
	for _, candidate := range lines {
		if candidate == line {
			return true
		}
	}
	return false
}

type imagePusher struct {
	client        *registryClient
	manifests     map[string][]byte // by digest, as readPushSpec read them
	report        *json.Encoder     // one JSON object per line, as each step completes
	lines         []any             // what report printed, for --report
	blobsUploaded int
	blobsSkipped  int
}

// The lines push prints.
type (
	pushedReport struct {
		Pushed string `json:"pushed"`
	}
	tagReport struct {
		Tag    string `json:"tag"`
		Digest string `json:"digest"`
	}
	sbomReport struct {
		SBOM        string  `json:"sbom"`
		FallbackTag *string `json:"fallback_tag"` // null when the registry has the referrers API
	}
	blobCountReport struct {
		Uploaded int `json:"blobs_uploaded"`
		Skipped  int `json:"blobs_skipped"`
	}
)

// push sends blobs, then manifests (the image last), then the SBOM that refers
// to it, and only then moves the tags: a registry accepts a manifest only when
// what it references is there, so a tag never points at something incomplete,
// and a push that fails before the tags moves none. The distribution API moves
// one tag per request, so each tag is moved on its own: one that fails does
// not stop the others, and the error says which moved.
func (p *imagePusher) push(spec pushSpec, tags []string) error {
	for _, blob := range spec.Blobs {
		if err := p.pushBlob(blob); err != nil {
			return err
		}
	}
	for _, manifest := range spec.Manifests {
		if _, err := p.putManifest(manifest.Digest, manifest); err != nil {
			return err
		}
	}
	root := spec.Manifests[len(spec.Manifests)-1]
	if err := p.print(pushedReport{Pushed: p.client.repo.String() + "@" + root.Digest}); err != nil {
		return err
	}
	if spec.SBOM != nil {
		if err := p.pushSBOM(*spec.SBOM); err != nil {
			return err
		}
	}
	var moved, notMoved []string
	var firstTagErr error
	for _, tag := range tags {
		if _, err := p.putManifest(tag, root); err != nil {
			notMoved = append(notMoved, tag)
			firstTagErr = cmp.Or(firstTagErr, err)
			continue
		}
		moved = append(moved, tag)
		if err := p.print(tagReport{Tag: p.client.repo.String() + ":" + tag, Digest: root.Digest}); err != nil {
			return err
		}
	}
	if err := p.print(blobCountReport{Uploaded: p.blobsUploaded, Skipped: p.blobsSkipped}); err != nil {
		return err
	}
	if firstTagErr != nil {
		moveReport := ""
		if len(moved) > 0 {
			moveReport = "; tags moved to it: " + strings.Join(moved, ", ")
		}
		return fmt.Errorf("%w; the image is in %s as %s, and these tags still name what they named before: %s%s",
			firstTagErr, p.client.repo, root.Digest, strings.Join(notMoved, ", "), moveReport)
	}
	return nil
}

// print reports one step on stdout as it completes, and keeps it for --report.
func (p *imagePusher) print(line any) error {
	p.lines = append(p.lines, line)
	return p.report.Encode(line)
}

func (p *imagePusher) pushBlob(blob blobFile) error {
	present, err := p.client.blobExists(blob)
	if err != nil {
		return err
	}
	if present {
		p.blobsSkipped++
		return nil
	}
	if err := p.client.uploadBlob(blob); err != nil {
		return err
	}
	p.blobsUploaded++
	return nil
}

func (p *imagePusher) putManifest(reference string, manifest blobFile) (http.Header, error) {
	return p.client.putManifest(reference, manifest.MediaType, manifest.Digest, p.manifests[manifest.Digest])
}

// pushSBOM pushes the SBOM's referrer. A registry with the referrers API says
// so with an OCI-Subject header; on one without, the referrer is also tagged.
func (p *imagePusher) pushSBOM(sbom referrerSpec) error {
	for _, blob := range sbom.Blobs {
		if err := p.pushBlob(blob); err != nil {
			return err
		}
	}
	headers, err := p.putManifest(sbom.Manifest.Digest, sbom.Manifest)
	if err != nil {
		return fmt.Errorf("SBOM: %w", err)
	}
	report := sbomReport{SBOM: p.client.repo.String() + "@" + sbom.Manifest.Digest}
	if headers.Get("OCI-Subject") == "" {
		if _, err := p.putManifest(sbom.FallbackTag, sbom.Manifest); err != nil {
			return fmt.Errorf("SBOM: %w", err)
		}
		fallback := p.client.repo.String() + ":" + sbom.FallbackTag
		report.FallbackTag = &fallback
	}
	return p.print(report)
}
