// `layertool fetch`: manifests and blobs by digest, from a registry into the
// files the plugin names, every byte checked against the digest that names it.
// The plugin's Python model parses what was fetched and decides what to fetch
// next (an index's platforms, then their configs and layers).

package main

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
)

// fetchSpec is FETCH.json: manifests are fetched as the registry serves them,
// with their Content-Type reported (a manifest need not name its own media
// type); blobs are streamed into their files.
type fetchSpec struct {
	Manifests []blobFile `json:"manifests"`
	Blobs     []blobFile `json:"blobs"`
}

type fetchedManifest struct {
	Digest      string `json:"digest"`
	ContentType string `json:"content_type"`
}

type fetchReport struct {
	Manifests []fetchedManifest `json:"manifests"`
}

func runFetch(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("fetch", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	insecure := flags.Bool("insecure", false, "talk plain HTTP to the registry instead of HTTPS")
	if err := flags.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if flags.NArg() != 2 {
		return usageError{"fetch takes REPOSITORY and FETCH.json"}
	}
	repo, err := parseRepository(flags.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	var spec fetchSpec
	if err := readSpec(flags.Arg(1), &spec); err != nil {
		return err
	}
	if err := validateBlobFiles(spec.Manifests, spec.Blobs); err != nil {
		return err
	}
	client, err := newRegistryClient(repo, *insecure, scopePull)
	if err != nil {
		return err
	}
	report := fetchReport{Manifests: []fetchedManifest{}}
	for _, manifest := range spec.Manifests {
		data, contentType, err := client.fetchManifest(manifest.Digest)
		if err != nil {
			return err
		}
		if err := makeParent(manifest.Path); err != nil {
			return err
		}
		if err := writeAtomically(manifest.Path, func(out io.Writer) error { _, err := out.Write(data); return err }); err != nil {
			return err
		}
		report.Manifests = append(report.Manifests, fetchedManifest{Digest: manifest.Digest, ContentType: contentType})
	}
	for _, blob := range spec.Blobs {
		if err := makeParent(blob.Path); err != nil {
			return err
		}
		if err := client.downloadBlob(blob); err != nil {
			return err
		}
	}
	return json.NewEncoder(stdout).Encode(report)
}

func makeParent(path string) error {
	return os.MkdirAll(filepath.Dir(path), 0o755)
}
