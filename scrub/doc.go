// Package scrub removes identifiers from free text before it is stored or
// sent to a model.
//
// Care teams write reflective stories about the people they look after.
// The product never needs to know who those people are, so every piece of
// free text goes through a Scrubber first. Each identifier found is
// replaced by a typed placeholder: the kind's name in square brackets, such
// as "[NHS number]", "[date]", "[age]", "[postcode]", "[phone number]",
// "[email address]", "[National Insurance number]", "[hospital number]" or
// "[name]". The Result says how many of each kind were removed, never what
// they were, so the bot can tell the writer "I removed an NHS number and a
// date before saving" (see Result.Summary).
//
// # What it finds
//
//   - NHS numbers: any ten digits that pass the modulus 11 check, however
//     they are grouped by spaces, hyphens or dashes (943 476 5919,
//     943-476-5919, 9434765919, 94 34 76 59 19). Ten digits that fail the
//     check are not NHS numbers (they may still be phone numbers). The rule
//     is deliberately wide: any whole groups of a written number that make
//     ten valid digits are removed, so now and then a list of small numbers
//     that happens to pass the check is removed too.
//   - Dates: full dates in the usual forms (14/03/1941, 14-03-41, 14.3.41,
//     1941-03-14, 14 March 1941, 14th of March 1941, March 14th, 1941,
//     14 Mar 41, 3 Sept '41), and a day with a month name even without a
//     year ("14 March", "March 14th"), since the day someone died is as
//     telling as their birthday. After "DOB", "date of birth" or "born", a
//     month and year ("born March 1941", "DOB 03/1941") is a date too, and
//     after "DOB" or "date of birth" so is a year alone. Left alone: a year
//     alone ("in 2019"), a month and year without such a cue ("diagnosed in
//     March 2019"), weekdays, and numeric day/month without a year ("14/3"),
//     which cannot be told apart from scores such as "7/10" or "5/12".
//   - Ages of 90 and over, which are rare enough to identify someone: after
//     "aged", "age:", "turned", "a lady of", "she was", "she's", "her
//     husband is"; with a "years old" tail ("93-year-old", "93yo", "93 y/o",
//     "94 years of age"); as a birthday ("her 100th birthday"); in brackets
//     after a word ("Mum (97)"); and in words ("ninety-four", "a hundred and
//     two"). Ages of 89 and under are left alone. The cue word is kept:
//     "aged [age]".
//   - UK postcodes in full (SW1A 1AA, M1 1AE, bh11aa), in any case, with or
//     without the space, checked against the letters Royal Mail allows in
//     each position. An outward code alone ("BH21") is left alone.
//   - Phone numbers: UK numbers written with their leading 0 (07700 900123,
//     01202 123456, (01202) 123456, 020 7946 0958) and international numbers
//     written with + or 00 (+44 7700 900123, +1 415 555 0100,
//     +33 1 23 45 67 89).
//   - Email addresses.
//   - National Insurance numbers (AB 12 34 56 C, AB123456C) with a valid
//     prefix (the first letter is not D, F, I, Q, U or V; the second is not
//     D, F, I, O, Q, U or V; not BG, GB, KN, NK, NT, TN or ZZ) and a suffix
//     A to D; without the suffix only straight after "NI" or "National
//     Insurance".
//   - Local hospital numbers: matches of the trust's own patterns
//     (Options.LocalIDPatterns, from WHATMATTERS_LOCAL_ID_PATTERNS through
//     ParsePatternList), and, with or without patterns, a number of at least
//     four digits after "hospital number", "hosp no", "MRN", "PAS no",
//     "unit number", "patient ID" and the like.
//   - Names: one or two capitalised words (with initials and particles such
//     as "van der") after a title (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Nurse,
//     Sister, Sr, Father, Fr, Rev, Revd, Reverend, Pastor, Rabbi, Imam, Lady,
//     Sir, Dame and a few more, in any case, with or without a dot) or after
//     a relation word ("her son David", "his wife, Maureen,", "a neighbour
//     called Bev", "known as Bunny"). The title or relation word is kept
//     ("Mrs [name]"), because it carries meaning for the story and identifies
//     no one. A capitalised word after a title that is a common non-name
//     word ("Dr on call", "Nurse Practitioner", "Sister in charge") is left
//     alone. Once a name has been found this way, its words are also removed
//     wherever else they appear capitalised in the same text ("Mrs Edith
//     Marsh ... Edith said"). Names on the team's own list (Options.Names)
//     are removed wherever they appear as whole words, in any case.
//
// # What it cannot do
//
// The patterns with a fixed shape (NHS numbers, postcodes, emails, phone
// numbers, NI numbers) are found reliably. Names are not. A name with no
// title or relation word before it and not on the team's list ("Barbara
// held his hand") is not found, nor is one written in lower case ("mrs
// smith"). Some capitalised words after titles are removed though they are
// not names ("Dr Google", "Lady Chapel", "Father Christmas"). Street
// addresses, towns, workplaces, rare diagnoses and distinctive events are
// not identifiers this package knows about, and together they can identify
// a person. Scrubbing reduces what is stored; it does not make a story
// anonymous, and scrubbed text is still personal data.
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
// takes some tens of microseconds.
package scrub
