package creem_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

// The newest released version in CHANGELOG.md is creem.Version, and it has its link.
func TestVersionMatchesChangelog(t *testing.T) {
	log, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	heading := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$`)
	m := heading.FindSubmatch(log)
	require.NotNil(t, m, "CHANGELOG.md has no released version heading")
	assert.Equal(t, creem.Version, string(m[1]), "creem.Version and the newest CHANGELOG.md version")
	assert.Contains(t, string(log), "\n["+creem.Version+"]: ", "the version's link reference")
	assert.Contains(t, string(log), "## [Unreleased]")
}

// README's dependency lines name exactly go.mod's direct requirements: the library's and the
// tests'.
func TestReadmeListsTheDependencies(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var line string
	for _, l := range strings.Split(string(readme), "\n\n") {
		if strings.HasPrefix(l, "- Module ") {
			line = l
		}
	}
	require.NotEmpty(t, line, "README's module and dependency lines")
	direct := regexp.MustCompile(`(?m)^\t(\S+) v\S+$`) // indirect ones carry a comment
	var names []string
	for _, m := range direct.FindAllStringSubmatch(string(mod), -1) {
		names = append(names, m[1])
		assert.Contains(t, line, "`"+m[1]+"`", "go.mod requires %s; README does not list it", m[1])
	}
	listed := regexp.MustCompile("`(github\\.com/[^`]+|go\\.uber\\.org/[^`]+)`").FindAllStringSubmatch(line, -1)
	for _, l := range listed {
		if l[1] == "github.com/creem-go/creem" { // the module itself
			continue
		}
		assert.Contains(t, names, l[1], "README lists %s, which go.mod does not require", l[1])
	}
}
