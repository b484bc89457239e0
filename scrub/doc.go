// Package scrub removes identifiers from free text before it is stored or
// sent to a model.
//
// Care teams write reflective stories about the people they look after.
// The product never needs to know who those people are, so every piece of
// free text goes through a Scrubber first. Each identifier found is
// replaced by a typed placeholder: the kind's name in square brackets, such
// as "[NHS number]", "[CHI number]", "[H&C number]", "[date]", "[age]",
// "[postcode]", "[address]", "[phone number]", "[email address]",
// "[National Insurance number]", "[hospital number]", "[name]" or
// "[mention]". The Result says how many of each kind were removed, never what
// they were, so the bot can tell the writer "I removed an NHS number and a
// date before saving" (see Result.Summary).
//
// # What it finds
//
// docs/scrubbing.md describes the rules for an information-governance
// reader, with the measured recall and precision per kind.
//
//   - NHS numbers: any ten digits that pass the modulus 11 check, however
//     they are grouped by spaces, hyphens or dashes (943 476 5919,
//     943-476-5919, 9434765919, 94 34 76 59 19), or by dots in 3-3-4
//     (943.476.5919). Ten digits that fail the check are an NHS number
//     too when written in 3-3-4 (a mistyped one) or after "NHS", "NHS no"
//     or "NHS number"; a bare run of ten digits that fails the check is
//     left alone (it may be an order or phone number).
//   - CHI numbers (Scotland) and H&C numbers (Northern Ireland): ten digits
//     after "CHI" or "H&C"/"H+C", with their own kinds ("[CHI number]",
//     "[H&C number]"). Written without the cue they pass the same check and
//     are removed as NHS numbers.
//   - Dates: full dates in the usual forms (14/03/1941, 14-03-41, 14.3.41,
//     1941-03-14, 14 March 1941, 14th of March 1941, March 14th, 1941,
//     14 Mar 41, 3 Sept '41); a day with a month name in any case, with or
//     without a year ("14 March", "3rd march", "12 mar", "sept 3rd", "mar
//     12"), except "may", which is the month only when capitalised with a
//     number, with an ordinal ("12th may") or after a date cue, and never
//     before a verb ("5 May be"); after "DOB", "date of birth" or "born" a
//     month and year, a year alone (not after "born"), and a date typed
//     without separators ("DOB 12031941", "dob 030441"); a numeric day and
//     month after died, seen, admitted, discharged, d/c, RIP, funeral and
//     the like ("died 3/4"), or after on, since, until or from unless it
//     reads as a score or duration ("on 7/10", "2/7 ago"). Left alone: a
//     year alone, a month and year without a cue, weekdays, relative dates
//     ("last Tuesday", "3 days ago", "day 3") and a numeric day/month with
//     no cue ("14/3", "5/12").
//   - Ages of 90 and over, which are rare enough to identify someone: after
//     "aged", "age:", "turned", "a lady of", "she was", "pt is", "at";
//     with a "years old" tail ("93-year-old", "93yo"); as a birthday ("her
//     100th birthday"); in brackets after a word ("Mum (97)"); between
//     commas after a name ("Harold, 94,"); as age and sex ("92M", "95F");
//     and in words ("ninety-four"). Readings are not ages ("sats at 94",
//     "Temp 99F", "at 90 degrees"). The cue word is kept.
//   - UK postcodes in full (SW1A 1AA, M1 1AE, bh11aa), checked against the
//     letters Royal Mail allows. An outward code alone ("BH21") is left.
//   - Street addresses: a house or flat number, capitalised words and a
//     street type ("14 Harbour Road", "22a Mill Lane", "flat 3, Seaview
//     Court"). A place of care ("2 Harbour View Care Home") is left.
//   - Phone numbers: UK numbers with their leading 0 and international
//     numbers written with + or 00.
//   - Email addresses.
//   - National Insurance numbers: any two letters, six digits and a suffix
//     A to D, with or without spaces (HMRC's example "QQ 12 34 56 C" too);
//     without the suffix only straight after "NI" or "National Insurance".
//   - Local hospital numbers: the trust's own patterns
//     (Options.LocalIDPatterns) and a number of at least four digits after
//     "hospital number", "MRN", "PAS no" and the like.
//   - Slack user mentions ("<@U123ABC>", "<@U123ABC|name>"), stored as
//     "[mention]" so no member id is kept in someone else's answer.
//   - Names, with their cue kept: after a title (Mr, Mrs, Dr, Sister,
//     Nurse, Father, Rev...); after a relation or role word, abbreviations
//     included (son, wife, dtr, NOK, pt, HCA, CNS, DN, OT, SW, ANP, F1,
//     physio); after "spoke to", "told", "handed over to", "thanks" and
//     "@"; before a relation ("Jean (wife)", "Jim's daughter"); in the
//     shapes "son: Mike", "Wife (Jean)", "NOK = Ray", and in lists after a
//     cue ("thanks Priya and Kofi"). With no cue, a capitalised word on the
//     embedded first-name or surname lists that is not a common English
//     word ("Barbara held his hand"), with a following surname. Names that
//     are also words (Hope, Grace, Will, May, Bill, Frank, Joy, Rose, Sky)
//     are names only after a cue. Never names: acronyms (DOB, NOK, GP,
//     DNACPR), eponyms in clinical use (Parkinson's, Alzheimer's, Crohn's,
//     Hodgkin's, Barthel), places of care and organisations ("called Poole
//     Hospital", "Marie Curie", "Julia's House"), a pet after dog or cat,
//     a capitalised word after in, from, at or St, months, and the team's
//     Options.Keep words (case pseudonyms). Nor, after a title, a role or
//     process word ("Nurse Prescriber", "Dr Review", "Matron Cover"), a
//     common English word after a role title (Nurse, Sister, Matron,
//     Father, Lady...) that is not also a name or a surname ("Nurse Led",
//     "Sister Act"; but "Sister Wood", "Nurse Young" are names), a common
//     word after "the" or "a" and a title ("the Sister Ward office"), or a
//     brand or character ("Dr Martens", "Mr Men"); nor a word that names a
//     condition, device or event by the word after it ("Foley catheter",
//     "Bell's palsy", "Carol service", "Niki T34"). Once a name is found,
//     its words are removed wherever else they appear capitalised in the
//     same text. Names on the team's own list (Options.Names) are removed
//     in any case.
//
// # What it cannot do
//
// Names are not found reliably. A name in lower case ("mrs smith"), a name
// not on the lists with no cue ("Shaz"), or a name that is also a word with
// no cue ("Hope came in") stays, and so does a surname that is a common
// word not on the embedded list of such surnames after a role title
// ("Nurse Careless") or one after "the" and a role title ("the Sister Wood
// rota"); a surname that is also a town ("12 High St, Poole") or a team's
// pseudonym not on Options.Keep is removed. Towns,
// workplaces, rare diagnoses and distinctive events are not identifiers
// this package knows about, and together they can identify a person.
// Scrubbing reduces what is stored; it does not make a story anonymous,
// and scrubbed text is still personal data.
//
// # Guarantees
//
// Scrub never panics, on any input including invalid UTF-8 and control
// characters; it keeps bytes outside identifiers exactly as they were, so
// valid UTF-8 stays valid. It repeats its rules until they find nothing
// more, so it is idempotent: scrubbing its output changes nothing, and the
// placeholders are never matched again (a placeholder already in the text
// is left alone). A Scrubber is safe for concurrent use, and a nil or zero
// Scrubber applies the default rules. A typical 500-character paragraph
// takes some tens of microseconds (under 100 µs).
package scrub
