// Package jobs processes text jobs: word counts and a content digest, the same on every platform.
package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

type Job struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type Result struct {
	ID     string `json:"id"`
	Words  int    `json:"words"`
	Lines  int    `json:"lines"`
	SHA256 string `json:"sha256"`
}

func Process(job Job) Result {
	sum := sha256.Sum256([]byte(job.Text))
	lines := 0
	if job.Text != "" {
		lines = strings.Count(strings.TrimSuffix(job.Text, "\n"), "\n") + 1
	}
	return Result{ID: job.ID, Words: len(strings.Fields(job.Text)), Lines: lines, SHA256: hex.EncodeToString(sum[:])}
}
