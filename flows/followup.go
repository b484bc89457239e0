package flows

import (
	"strings"
	"unicode"

	"whatmatters/prompts"
)

// The follow-up rules read an answer against the codebook's tendencies:
// recording facts rather than stories (facts_only), seeing a person in
// isolation rather than through their relationships (no_people), and
// focusing on services rather than relationships and community
// (services_only). They are plain word lists, deterministic and explainable;
// they only ever prompt, never judge.

// storyWords mark an answer that carries the person's voice, values or
// feelings rather than facts alone. Matched as word prefixes.
var storyWords = []string{
	"want", "wish", "hope", "love", "enjoy", "like", "miss", "fear", "worr", "afraid",
	"scared", "proud", "happy", "sad", "lonel", "matter", "important", "care about",
	"because", "so that", "said", "says", "told", "tell", "feel", "felt", "prefer",
	"rather", "dream", "joy", "laugh", "smil", "peace", "calm", "comfort", "dignity",
	"home", "garden", "music", "faith", "pray", "believ", "meaning", "story", "used to",
	"always", "favourite", "favorite", "\"", "“", "i'm", "i am", "my ",
}

// peopleWords name people, communities and animals around a person, outside
// formal services. Matched as word prefixes.
var peopleWords = []string{
	"wife", "husband", "partner", "spouse", "son", "daughter", "child", "kid", "grandchild",
	"grandson", "granddaughter", "grandchildren", "grandm", "grandp", "grandad", "granny", "nan",
	"mum", "mother", "mom", "dad", "father", "parent", "brother", "sister", "sibling",
	"niece", "nephew", "aunt", "uncle", "cousin", "family", "relative", "friend", "neighbo",
	"church", "mosque", "temple", "synagogue", "gurdwara", "chapel", "congregation",
	"vicar", "priest", "imam", "rabbi", "minister", "faith", "community", "club", "choir",
	"colleague", "pub", "dog", "cat", "pet", "budgie", "parrot", "horse", "companion",
	"lodger", "carer", "[name]",
}

// serviceWords name formal services, professionals and interventions.
var serviceWords = []string{
	"gp", "district nurs", "hospice", "hospital", "ward", "care agency", "agency", "care home",
	"nursing home", "social work", "social services", "occupational", "ot ", "physio",
	"consultant", "clinic", "appointment", "referr", "ambulance", "paramedic", "111",
	"999", "pharmac", "prescri", "medication", "package of care", "care package", "service",
	"team", "macmillan", "marie curie", "specialist", "oncolog", "palliative", "syringe driver",
	"equipment", "bed", "commode", "assessment", "dnacpr", "respect form", "treatment",
	"chemo", "radiotherapy", "scan", "admission", "admitted", "discharg", "doctor", "nurse",
}

// FollowUp returns the follow-up question the stage asks of these answers,
// if one of its rules fires. Rules are tried from the most specific: a
// stage that names only services is asked about people beyond them before
// it is asked about people at all, and both before facts.
func FollowUp(st prompts.Stage, answers []string) (string, bool) {
	if len(st.FollowUps) == 0 || len(answers) == 0 {
		return "", false
	}
	text := normalise(strings.Join(answers, "\n"))
	hasPeople := containsAny(text, peopleWords)
	hasServices := containsAny(text, serviceWords)
	hasStory := containsAny(text, storyWords)
	checks := []struct {
		rule  string
		fires bool
	}{
		{"services_only", hasServices && !hasPeople && !hasStory},
		{"no_people", !hasPeople},
		{"facts_only", !hasStory},
	}
	for _, c := range checks {
		if q, ok := st.FollowUps[c.rule]; ok && c.fires {
			return q, true
		}
	}
	return "", false
}

// normalise lower-cases text and pads it with spaces, so that word-prefix
// matching can look for a space before each word.
func normalise(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("\"“[]'", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte(' ')
	return b.String()
}

// containsAny reports whether any word in list starts a word in text.
func containsAny(text string, list []string) bool {
	for _, w := range list {
		if strings.HasPrefix(w, "\"") || strings.HasPrefix(w, "“") || strings.HasPrefix(w, "[") {
			if strings.Contains(text, w) {
				return true
			}
			continue
		}
		if strings.Contains(text, " "+w) {
			return true
		}
	}
	return false
}
