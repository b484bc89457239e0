package console_test

import (
	"bytes"
	"strings"
	"testing"

	"whatmatters/console"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// What the console prints of what people wrote, typed now or stored
// earlier, cannot drive the terminal: escape sequences and invisible
// formatting characters are shown as their escapes.
func TestConsoleEscapesControlCharacters(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	off := themes.NewOffline()
	engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}})
	run := func(script string) string {
		var out bytes.Buffer
		if err := console.New(engine, strings.NewReader(script), &out, "ann", nil).Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	first := run(":as ann\u202e nurse\n/reflect Kestrel\nShe wants \u202eemoh ta\u202c to be home.\n:\x1b]0;owned\x07\n")
	// An answer stored before control characters were cleaned out.
	if _, err := db.SQL().Exec(`UPDATE answers SET text = text || ' ' || char(27) || '[2J cleared'`); err != nil {
		t.Fatal(err)
	}
	second := run(":as ann\u202e\ndone\n")
	out := first + second
	if strings.ContainsAny(out, "\x1b\x07\u202e\u202c") {
		t.Errorf("the console printed a control character as it is:\n%q", out)
	}
	for _, want := range []string{
		`(now speaking as ann\u202e, nurse)`,
		`I don't know :\x1b]0;owned\a.`,
		`She wants \u202eemoh ta\u202c to be home. \x1b[2J cleared`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console did not print %q:\n%s", want, out)
		}
	}
}
