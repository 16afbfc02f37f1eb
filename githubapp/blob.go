package githubapp

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/google/go-github/v88/github"
)

// BlobBytes is a blob's content as bytes: GitHub sends it base64-encoded
// with a newline every 60 characters (or as it is, for encoding "utf-8").
func BlobBytes(b *github.Blob) ([]byte, error) {
	if b.GetEncoding() != "base64" {
		return []byte(b.GetContent()), nil
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b.GetContent(), "\n", ""))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", b.GetSHA(), err)
	}
	return data, nil
}
