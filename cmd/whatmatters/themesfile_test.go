package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A team's own themes file adds a theme and replaces a built-in one; the
// offline coder finds them, and its version changes so stored answers are
// read again.
func TestThemesFileAddsAndReplaces(t *testing.T) {
	dir := tempDir(t)
	file := filepath.Join(dir, "ours.json")
	if err := os.WriteFile(file, []byte(`{"version": "ours-1", "themes": [
		{"id": "hearing_loss", "label": "Hearing loss in the way of talking", "definition": "Hearing aids, deafness and what they make hard.", "speaks_to": ["what_matters"], "cues": ["hearing aid", "deaf"]},
		{"id": "pets", "label": "Pets that matter", "definition": "Animals the person loves.", "speaks_to": ["relationships"], "cues": ["budgie"]}
	]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	line := `{"id":"a1","template":"case","stage":"what_matters","text":"Lost his hearing aids again, and the dog pines for him."}` + "\n" +
		`{"id":"a2","template":"case","stage":"whos_around","text":"Her budgie, Joey."}` + "\n"

	setEnv(t)
	plain := runWith(t, line, "code")
	setEnv(t, "WHATMATTERS_THEMES_FILE", file)
	ours := runWith(t, line, "code")
	if plain.err != nil || ours.err != nil {
		t.Fatalf("code: %v / %v\n%s", plain.err, ours.err, ours.stderr)
	}
	if strings.Contains(plain.stdout, `"theme":"hearing_loss"`) || !strings.Contains(ours.stdout, `"theme":"hearing_loss"`) {
		t.Errorf("the team's theme: built-in only\n%s\nwith the file\n%s", plain.stdout, ours.stdout)
	}
	// The file's pets theme replaced the built-in one whole: the budgie
	// counts, the dog no longer does.
	a1, a2, _ := strings.Cut(ours.stdout, "\n")
	if strings.Contains(a1, `"theme":"pets"`) || !strings.Contains(a2, `"theme":"pets"`) {
		t.Errorf("replaced pets theme:\n%s", ours.stdout)
	}
}

func TestThemesFileBrokenIsAConfigurationError(t *testing.T) {
	dir := tempDir(t)
	file := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(file, []byte(`{"version": "1", "themes": [{"id": "Bad Id", "label": "x", "definition": "y", "cues": ["z"]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, filepath.Join(dir, "missing.json")} {
		setEnv(t, "WHATMATTERS_THEMES_FILE", path)
		res := runWith(t, "", "code")
		if res.err == nil || !strings.Contains(res.err.Error(), "WHATMATTERS_THEMES_FILE") {
			t.Errorf("%s: err = %v, want a configuration error naming WHATMATTERS_THEMES_FILE", path, res.err)
		}
	}
}
