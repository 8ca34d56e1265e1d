// `layertool pull`: an image pinned by digest, from a registry into an OCI
// image layout, every byte checked against the digests that name it.

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// platformList collects repeated --platform flags.
type platformList []ociPlatform

func (l *platformList) String() string { return fmt.Sprint(*l) }

func (l *platformList) Set(text string) error {
	parts := strings.Split(text, "/")
	valid := len(parts) == 2 || len(parts) == 3
	for _, part := range parts {
		valid = valid && part != ""
	}
	if !valid {
		return fmt.Errorf("platform %q must be OS/ARCH[/VARIANT], like \"linux/arm64\" or \"linux/arm/v7\"", text)
	}
	platform := ociPlatform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		platform.Variant = parts[2]
	}
	*l = append(*l, platform)
	return nil
}

// matches treats a missing variant as the default one where images disagree
// on writing it: arm64 manifests are often marked "v8", requests rarely are.
func (p ociPlatform) matches(offered ociPlatform) bool {
	defaultVariant := func(platform ociPlatform) string {
		if platform.Architecture == "arm64" && platform.Variant == "v8" {
			return ""
		}
		return platform.Variant
	}
	return p.OS == offered.OS && p.Architecture == offered.Architecture && defaultVariant(p) == defaultVariant(offered)
}

// pulledImage is one platform's manifest in the summary pull prints.
type pulledImage struct {
	Platform string   `json:"platform"`
	Manifest string   `json:"manifest"`
	Config   string   `json:"config"`
	Layers   []string `json:"layers"`
}

type pullSummary struct {
	Digest    string        `json:"digest"`
	MediaType string        `json:"mediaType"`
	Platforms []pulledImage `json:"platforms"`
}

func runPull(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("pull", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	insecure := flags.Bool("insecure", false, "talk plain HTTP to the registry instead of HTTPS")
	var platforms platformList
	flags.Var(&platforms, "platform", "pull only this platform of an index (repeatable; default: all)")
	if err := flags.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if flags.NArg() != 2 {
		return usageError{"pull takes REPOSITORY@sha256:HEX and OUT_LAYOUT_DIR"}
	}
	repo, digest, err := parsePinnedReference(flags.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	outDir := flags.Arg(1)
	if err := checkNewDirectory(outDir); err != nil {
		return err
	}
	client, err := newRegistryClient(repo, *insecure, scopePull)
	if err != nil {
		return err
	}
	summary, err := pullIntoNewLayout(client, digest, platforms, outDir)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(summary)
}

// checkNewDirectory fails before any download if the layout could not be written.
func checkNewDirectory(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s already exists and is not empty; pull writes a new image layout", dir)
	}
	return nil
}

// pullIntoNewLayout assembles the layout in a sibling directory and renames it
// into place at the end, so a failed pull leaves nothing half-written.
func pullIntoNewLayout(client *registryClient, digest string, platforms []ociPlatform, outDir string) (summary pullSummary, err error) {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(outDir)), 0o755); err != nil {
		return pullSummary{}, err
	}
	staging, err := os.MkdirTemp(filepath.Dir(filepath.Clean(outDir)), ".layertool-pull-*")
	if err != nil {
		return pullSummary{}, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(staging)
		}
	}()
	if err = os.MkdirAll(filepath.Join(staging, "blobs", "sha256"), 0o755); err != nil {
		return pullSummary{}, err
	}
	puller := &imagePuller{client: client, layoutDir: staging, inLayout: map[string]bool{}}
	summary, root, err := puller.pull(digest, platforms)
	if err != nil {
		return pullSummary{}, err
	}
	if err = writeLayoutMetadata(staging, root); err != nil {
		return pullSummary{}, err
	}
	// MkdirTemp makes a private (0700) directory; a layout is meant to be shared.
	if err = os.Chmod(staging, 0o755); err != nil {
		return pullSummary{}, err
	}
	return summary, os.Rename(staging, outDir)
}

// writeLayoutMetadata writes oci-layout and an index.json whose one entry is
// root, in the same canonical form as the plugin's Python layout writer.
func writeLayoutMetadata(layoutDir string, root contentDescriptor) error {
	ociLayout, err := canonicalJSON(map[string]string{"imageLayoutVersion": "1.0.0"})
	if err != nil {
		return err
	}
	index, err := canonicalJSON(map[string]any{
		"schemaVersion": 2,
		"mediaType":     ociIndexType,
		"manifests":     []contentDescriptor{root},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(layoutDir, "oci-layout"), ociLayout, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(layoutDir, "index.json"), index, 0o644)
}

type imagePuller struct {
	client    *registryClient
	layoutDir string
	// inLayout holds the blobs already written: platforms share configs and layers.
	inLayout map[string]bool
}

// pull fetches the root (index or manifest) and the wanted platforms' blobs.
// The root is written as served even when platforms are left out, since its
// digest is the pin; the layout then lacks only the others' blobs.
func (p *imagePuller) pull(digest string, wanted []ociPlatform) (pullSummary, contentDescriptor, error) {
	rootBytes, servedAs, err := p.client.fetchManifest(digest)
	if err != nil {
		return pullSummary{}, contentDescriptor{}, err
	}
	root, mediaType, err := parseManifestDocument(rootBytes, servedAs)
	if err != nil {
		return pullSummary{}, contentDescriptor{}, fmt.Errorf("%s@%s: %w", p.client.repo, digest, err)
	}
	if err := p.writeBlob(digest, rootBytes); err != nil {
		return pullSummary{}, contentDescriptor{}, err
	}
	rootDescriptor := contentDescriptor{MediaType: mediaType, Digest: digest, Size: int64(len(rootBytes))}
	summary := pullSummary{Digest: digest, MediaType: mediaType, Platforms: []pulledImage{}}

	if isManifestType(mediaType) {
		image, err := p.pullSingleManifest(digest, root, wanted)
		if err != nil {
			return pullSummary{}, contentDescriptor{}, err
		}
		summary.Platforms = append(summary.Platforms, image)
		return summary, rootDescriptor, nil
	}

	selected, err := p.selectManifests(digest, root.Manifests, wanted)
	if err != nil {
		return pullSummary{}, contentDescriptor{}, err
	}
	for _, descriptor := range selected {
		image, err := p.pullIndexEntry(descriptor)
		if err != nil {
			return pullSummary{}, contentDescriptor{}, err
		}
		summary.Platforms = append(summary.Platforms, image)
	}
	return summary, rootDescriptor, nil
}

// selectManifests returns the index's entries for the wanted platforms, in
// the index's order, or all of them when none are asked for.
func (p *imagePuller) selectManifests(digest string, entries []contentDescriptor, wanted []ociPlatform) ([]contentDescriptor, error) {
	if len(wanted) == 0 {
		return entries, nil
	}
	selected := map[string]bool{}
	for _, platform := range wanted {
		found := false
		for _, entry := range entries {
			if entry.Platform != nil && platform.matches(*entry.Platform) {
				selected[entry.Digest], found = true, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("image %s@%s has no %s manifest; it has %s", p.client.repo, digest, platform, availablePlatforms(entries))
		}
	}
	var result []contentDescriptor
	for _, entry := range entries {
		if selected[entry.Digest] {
			result = append(result, entry)
			delete(selected, entry.Digest)
		}
	}
	return result, nil
}

func availablePlatforms(entries []contentDescriptor) string {
	var names []string
	seen := map[string]bool{}
	for _, entry := range entries {
		if entry.Platform != nil && !seen[entry.Platform.String()] {
			seen[entry.Platform.String()] = true
			names = append(names, entry.Platform.String())
		}
	}
	if len(names) == 0 {
		return "no platform-specific manifests"
	}
	return strings.Join(names, ", ")
}

func (p *imagePuller) pullIndexEntry(descriptor contentDescriptor) (pulledImage, error) {
	if !isManifestType(descriptor.MediaType) {
		return pulledImage{}, fmt.Errorf("%s@%s: the index lists %s of media type %q; only image manifests are supported inside an index",
			p.client.repo, descriptor.Digest, descriptor.Digest, descriptor.MediaType)
	}
	data, _, err := p.client.fetchManifest(descriptor.Digest)
	if err != nil {
		return pulledImage{}, err
	}
	if int64(len(data)) != descriptor.Size {
		return pulledImage{}, fmt.Errorf("%s@%s: the manifest has %d bytes, the index says %d", p.client.repo, descriptor.Digest, len(data), descriptor.Size)
	}
	manifest, _, err := parseManifestDocument(data, descriptor.MediaType)
	if err != nil {
		return pulledImage{}, fmt.Errorf("%s@%s: %w", p.client.repo, descriptor.Digest, err)
	}
	if err := p.writeBlob(descriptor.Digest, data); err != nil {
		return pulledImage{}, err
	}
	image, err := p.pullImageBlobs(descriptor.Digest, manifest)
	if descriptor.Platform != nil {
		image.Platform = descriptor.Platform.String()
	}
	return image, err
}

// pullSingleManifest handles a root that is one image: its platform is known
// only from its config, which is fetched (and checked) before any layer.
func (p *imagePuller) pullSingleManifest(digest string, manifest manifestDocument, wanted []ociPlatform) (pulledImage, error) {
	if err := p.fetchBlob(*manifest.Config); err != nil {
		return pulledImage{}, err
	}
	configBytes, err := os.ReadFile(filepath.Join(p.layoutDir, filepath.FromSlash(blobPath(manifest.Config.Digest))))
	if err != nil {
		return pulledImage{}, err
	}
	var platform ociPlatform
	if err := json.Unmarshal(configBytes, &platform); err != nil {
		return pulledImage{}, fmt.Errorf("%s@%s: config %s is not JSON: %v", p.client.repo, digest, manifest.Config.Digest, err)
	}
	if len(wanted) > 0 {
		for _, want := range wanted {
			if !want.matches(platform) {
				return pulledImage{}, fmt.Errorf("image %s@%s has no %s manifest; it is a single %s image", p.client.repo, digest, want, platform)
			}
		}
	}
	image, err := p.pullImageBlobs(digest, manifest)
	image.Platform = platform.String()
	return image, err
}

func (p *imagePuller) pullImageBlobs(manifestDigest string, manifest manifestDocument) (pulledImage, error) {
	image := pulledImage{Manifest: manifestDigest, Config: manifest.Config.Digest, Layers: []string{}}
	for _, blob := range append([]contentDescriptor{*manifest.Config}, manifest.Layers...) {
		if err := p.fetchBlob(blob); err != nil {
			return pulledImage{}, err
		}
	}
	for _, layer := range manifest.Layers {
		image.Layers = append(image.Layers, layer.Digest)
	}
	return image, nil
}

func (p *imagePuller) fetchBlob(blob contentDescriptor) error {
	if p.inLayout[blob.Digest] {
		return nil
	}
	if err := p.client.downloadBlob(blob, filepath.Join(p.layoutDir, filepath.FromSlash(blobPath(blob.Digest)))); err != nil {
		return err
	}
	p.inLayout[blob.Digest] = true
	return nil
}

func (p *imagePuller) writeBlob(digest string, data []byte) error {
	if err := os.WriteFile(filepath.Join(p.layoutDir, filepath.FromSlash(blobPath(digest))), data, 0o644); err != nil {
		return err
	}
	p.inLayout[digest] = true
	return nil
}
