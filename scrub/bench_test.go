package scrub

import "testing"

// benchParagraph is a typical 500-character reflection with a few
// identifiers in it.
const benchParagraph = `Mrs Edith Marsh (NHS 943 476 5919) was 93 and had lived at BH1 1AA for forty years. ` +
	`Her son David rang on 07700 900123 most evenings. We started midazolam 2.5 mg SC PRN at 14:30 and she settled; ` +
	`NEWS 5, GCS 15/15, PPS 30%. What mattered to her was being at home with the cat and the radio on low. ` +
	`She died on 14 March 2024 with her family there. The Dr on call was kind, and the night nurse sat with her ` +
	`son afterwards for 45 minutes. We could have talked about her wishes sooner.`

// benchPlain is a 500-character reflection with no identifiers.
const benchPlain = `What mattered most to him was his allotment and the people he had grown vegetables with for years. ` +
	`He was frightened of being a burden and did not want to go back into hospital. The syringe driver was started ` +
	`at 14:30 with morphine 10 mg and midazolam 5 mg over 24 hours, and he settled. NEWS 5, PPS 30%. His wife sat ` +
	`with him every evening. We could have asked sooner about what a good day looked like for him; when we did, ` +
	`he said a cup of tea in the garden, and we managed that twice.`

func BenchmarkScrub(b *testing.B) {
	s, err := New(evalOptions)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, text string }{{"identifiers", benchParagraph}, {"plain", benchPlain}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				s.Scrub(bc.text)
			}
		})
	}
}
