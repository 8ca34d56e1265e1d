// `layertool push`: an image from an OCI image layout to a registry, in an
// order that never lets a tag point at something incomplete.

package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// layoutImage is what push sends, read from the layout and checked first.
type layoutImage struct {
	root      contentDescriptor
	rootBytes []byte
	manifests []layoutManifest    // an index's manifests, in its order; none for a single manifest
	blobs     []contentDescriptor // configs and layers, each once, in first-use order
}

type layoutManifest struct {
	descriptor contentDescriptor
	data       []byte
}

func runPush(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("push", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	insecure := flags.Bool("insecure", false, "talk plain HTTP to the registry instead of HTTPS")
	sbomPath := flags.String("sbom", "", "also push this SPDX JSON document as an OCI 1.1 artifact whose subject is the image")
	// The publish goal cannot capture a push's output, so the references also go to a file it names.
	reportPath := flags.String("report", "", "once the push has succeeded, replace this file with the JSON lines printed on stdout; a failed push leaves it as it was")
	mergeReport := flags.Bool("merge-report", false, "keep the tags --report already lists when it reports this same image (the publish goal runs one push per tag)")
	if err := flags.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if flags.NArg() < 2 {
		return usageError{"push takes LAYOUT_DIR, REPOSITORY and any number of TAGs"}
	}
	layoutDir, tags := flags.Arg(0), flags.Args()[2:]
	repo, err := parseRepository(flags.Arg(1))
	if err != nil {
		return usageError{err.Error()}
	}
	for _, tag := range tags {
		if err := validateTag(tag); err != nil {
			return usageError{err.Error()}
		}
	}
	image, err := readLayoutImage(layoutDir)
	if err != nil {
		return err
	}
	var sbom []byte
	if *sbomPath != "" {
		if sbom, err = os.ReadFile(*sbomPath); err != nil {
			return fmt.Errorf("--sbom: %w", err)
		}
		if !json.Valid(sbom) {
			return fmt.Errorf("--sbom: %s is not a JSON document", *sbomPath)
		}
	}
	client, err := newRegistryClient(repo, *insecure, scopePullPush)
	if err != nil {
		return err
	}
	pusher := &imagePusher{client: client, layoutDir: layoutDir, report: json.NewEncoder(stdout)}
	if err := pusher.push(image, tags, sbom); err != nil {
		return err
	}
	if *reportPath != "" {
		if err := writeReport(*reportPath, pusher.lines, *mergeReport); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
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

// readLayoutImage reads the layout's one image (index.json may list it once
// per tag, as the plugin's layouts do) and everything under it.
func readLayoutImage(layoutDir string) (layoutImage, error) {
	indexPath := filepath.Join(layoutDir, "index.json")
	data, err := os.ReadFile(indexPath)
	if err != nil {
		return layoutImage{}, fmt.Errorf("%s is not an OCI image layout: %w", layoutDir, err)
	}
	var layoutIndex struct {
		Manifests []contentDescriptor `json:"manifests"`
	}
	if err := json.Unmarshal(data, &layoutIndex); err != nil {
		return layoutImage{}, fmt.Errorf("%s: %v", indexPath, err)
	}
	if len(layoutIndex.Manifests) == 0 {
		return layoutImage{}, fmt.Errorf("%s lists no image to push", indexPath)
	}
	listed, err := layoutRoot(layoutDir, layoutIndex.Manifests)
	if err != nil {
		return layoutImage{}, fmt.Errorf("%s: %w", indexPath, err)
	}
	rootBytes, root, err := readLayoutManifest(layoutDir, listed)
	if err != nil {
		return layoutImage{}, err
	}
	image := layoutImage{root: contentDescriptor{MediaType: listed.MediaType, Digest: listed.Digest, Size: listed.Size}, rootBytes: rootBytes}

	manifests := []manifestDocument{root}
	if isIndexType(listed.MediaType) {
		manifests = nil
		for _, entry := range root.Manifests {
			if !isManifestType(entry.MediaType) {
				return layoutImage{}, fmt.Errorf("%s: index %s lists %s of media type %q; only image manifests are supported inside an index", layoutDir, listed.Digest, entry.Digest, entry.MediaType)
			}
			manifestBytes, manifest, err := readLayoutManifest(layoutDir, entry)
			if err != nil {
				return layoutImage{}, err
			}
			image.manifests = append(image.manifests, layoutManifest{descriptor: entry, data: manifestBytes})
			manifests = append(manifests, manifest)
		}
	}
	seen := map[string]bool{}
	for _, manifest := range manifests {
		for _, blob := range append([]contentDescriptor{*manifest.Config}, manifest.Layers...) {
			if seen[blob.Digest] {
				continue
			}
			seen[blob.Digest] = true
			if err := checkLayoutBlob(layoutDir, blob); err != nil {
				return layoutImage{}, err
			}
			image.blobs = append(image.blobs, blob)
		}
	}
	return image, nil
}

// readLayoutManifest reads a manifest or index blob, checked against its descriptor.
func readLayoutManifest(layoutDir string, descriptor contentDescriptor) ([]byte, manifestDocument, error) {
	if err := descriptor.validate(); err != nil {
		return nil, manifestDocument{}, fmt.Errorf("%s: %w", layoutDir, err)
	}
	data, err := readBlob(layoutDir, descriptor.Digest)
	if err != nil {
		return nil, manifestDocument{}, fmt.Errorf("%s: %w", layoutDir, err)
	}
	if int64(len(data)) != descriptor.Size {
		return nil, manifestDocument{}, fmt.Errorf("%s: blob %s has %d bytes, its descriptor says %d", layoutDir, descriptor.Digest, len(data), descriptor.Size)
	}
	document, mediaType, err := parseManifestDocument(data, descriptor.MediaType)
	if err != nil {
		return nil, manifestDocument{}, fmt.Errorf("%s: %s: %w", layoutDir, descriptor.Digest, err)
	}
	if mediaType != descriptor.MediaType {
		return nil, manifestDocument{}, fmt.Errorf("%s: %s is a %s, but its descriptor says %s", layoutDir, descriptor.Digest, mediaType, descriptor.MediaType)
	}
	return data, document, nil
}

// checkLayoutBlob catches a missing or truncated layer before anything is
// pushed; its digest is checked by the registry as it receives it.
func checkLayoutBlob(layoutDir string, blob contentDescriptor) error {
	info, err := os.Stat(filepath.Join(layoutDir, filepath.FromSlash(blobPath(blob.Digest))))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: the layout lacks blob %s (%s); was it pulled with --platform?", layoutDir, blob.Digest, blob.MediaType)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", layoutDir, err)
	}
	if info.Size() != blob.Size {
		return fmt.Errorf("%s: blob %s has %d bytes, its descriptor says %d", layoutDir, blob.Digest, info.Size(), blob.Size)
	}
	return nil
}

type imagePusher struct {
	client        *registryClient
	layoutDir     string
	report        *json.Encoder // one JSON object per line, as each step completes
	lines         []any         // what report printed, for --report
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

// push sends blobs, then manifests, then the index (and the SBOM that refers
// to it), and only then moves the tags: a registry accepts a manifest only
// when what it references is there, so a tag never points at something
// incomplete, and a push that fails before the tags moves none. The
// distribution API moves one tag per request, so each tag is moved on its
// own: one that fails does not stop the others, and the error says which moved.
func (p *imagePusher) push(image layoutImage, tags []string, sbom []byte) error {
	for _, blob := range image.blobs {
		path := filepath.Join(p.layoutDir, filepath.FromSlash(blobPath(blob.Digest)))
		if err := p.pushBlob(blob, fileBody(path)); err != nil {
			return err
		}
	}
	for _, manifest := range image.manifests {
		if _, err := p.client.putManifest(manifest.descriptor.Digest, manifest.descriptor.MediaType, manifest.data); err != nil {
			return err
		}
	}
	if _, err := p.client.putManifest(image.root.Digest, image.root.MediaType, image.rootBytes); err != nil {
		return err
	}
	if err := p.print(pushedReport{Pushed: p.client.repo.String() + "@" + image.root.Digest}); err != nil {
		return err
	}
	if sbom != nil {
		if err := p.pushSBOM(image.root, sbom); err != nil {
			return err
		}
	}
	var moved, notMoved []string
	var firstTagErr error
	for _, tag := range tags {
		if _, err := p.client.putManifest(tag, image.root.MediaType, image.rootBytes); err != nil {
			notMoved = append(notMoved, tag)
			firstTagErr = cmp.Or(firstTagErr, err)
			continue
		}
		moved = append(moved, tag)
		if err := p.print(tagReport{Tag: p.client.repo.String() + ":" + tag, Digest: image.root.Digest}); err != nil {
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
			firstTagErr, p.client.repo, image.root.Digest, strings.Join(notMoved, ", "), moveReport)
	}
	return nil
}

// print reports one step on stdout as it completes, and keeps it for --report.
func (p *imagePusher) print(line any) error {
	p.lines = append(p.lines, line)
	return p.report.Encode(line)
}

func (p *imagePusher) pushBlob(blob contentDescriptor, body func() (io.ReadCloser, error)) error {
	present, err := p.client.blobExists(blob)
	if err != nil {
		return err
	}
	if present {
		p.blobsSkipped++
		return nil
	}
	if err := p.client.uploadBlob(blob, body); err != nil {
		return err
	}
	p.blobsUploaded++
	return nil
}

// sbomManifest is an OCI 1.1 artifact: an empty config, the document as its
// one layer, and the image as its subject, which is what ties them together.
type sbomManifest struct {
	SchemaVersion int                 `json:"schemaVersion"`
	MediaType     string              `json:"mediaType"`
	ArtifactType  string              `json:"artifactType"`
	Config        contentDescriptor   `json:"config"`
	Layers        []contentDescriptor `json:"layers"`
	Subject       contentDescriptor   `json:"subject"`
}

// emptyJSON is the content of the OCI empty descriptor's blob.
var emptyJSON = []byte("{}")

// pushSBOM pushes the SBOM artifact. A registry with the referrers API says
// so with an OCI-Subject header; for one without, the artifact is also tagged
// sha256-<hex>.sbom, the tag scheme clients such as cosign look up.
func (p *imagePusher) pushSBOM(subject contentDescriptor, sbom []byte) error {
	config := contentDescriptor{MediaType: emptyConfigType, Digest: sha256OfBytes(emptyJSON), Size: int64(len(emptyJSON))}
	document := contentDescriptor{MediaType: spdxJSONType, Digest: sha256OfBytes(sbom), Size: int64(len(sbom))}
	if err := p.pushBlob(config, bytesBody(emptyJSON)); err != nil {
		return err
	}
	if err := p.pushBlob(document, bytesBody(sbom)); err != nil {
		return err
	}
	manifest, err := canonicalJSON(sbomManifest{
		SchemaVersion: 2,
		MediaType:     ociManifestType,
		ArtifactType:  spdxJSONType,
		Config:        config,
		Layers:        []contentDescriptor{document},
		Subject:       subject,
	})
	if err != nil {
		return err
	}
	manifestDigest := sha256OfBytes(manifest)
	headers, err := p.client.putManifest(manifestDigest, ociManifestType, manifest)
	if err != nil {
		return fmt.Errorf("SBOM: %w", err)
	}
	report := sbomReport{SBOM: p.client.repo.String() + "@" + manifestDigest}
	if headers.Get("OCI-Subject") == "" {
		tag := "sha256-" + strings.TrimPrefix(subject.Digest, "sha256:") + ".sbom"
		if _, err := p.client.putManifest(tag, ociManifestType, manifest); err != nil {
			return fmt.Errorf("SBOM: %w", err)
		}
		fallback := p.client.repo.String() + ":" + tag
		report.FallbackTag = &fallback
	}
	return p.print(report)
}

// layoutRoot picks the one image a layout holds. go_oci's layouts also name each platform's manifest
// (`<tag>-<os>_<arch>`, for tools that cannot choose from an index); those are part of the index's
// image, not other images.
func layoutRoot(layoutDir string, entries []contentDescriptor) (contentDescriptor, error) {
	roots := map[string]contentDescriptor{}
	for _, entry := range entries {
		roots[entry.Digest] = entry
	}
	for _, entry := range entries {
		if !isIndexType(entry.MediaType) {
			continue
		}
		_, index, err := readLayoutManifest(layoutDir, entry)
		if err != nil {
			return contentDescriptor{}, err
		}
		for _, member := range index.Manifests {
			delete(roots, member.Digest)
		}
	}
	digests := make([]string, 0, len(roots))
	for digest := range roots {
		digests = append(digests, digest)
	}
	if len(digests) != 1 {
		sort.Strings(digests)
		return contentDescriptor{}, fmt.Errorf("lists several images (%s); push takes a layout of one image", strings.Join(digests, ", "))
	}
	return roots[digests[0]], nil
}
