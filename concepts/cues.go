package concepts

import "fmt"

// builtinCues are cues and exclusions added to the built-in catalogue's
// themes (prompts/themes/catalogue.json) when it is loaded by Builtin, in
// the same syntax as the file's (docs/themes.md, "How a cue is
// written"). They came from the third tuning set
// (themes/testdata/concepts_tune3.json), written to hold the wordings the
// finder was known, in aggregate, to miss: a working life named in passing
// ("40 yrs on the buses", "was a postie for 40 yrs"), family named
// collectively or by nickname ("the girls are shattered", "our kid"), and a
// few plain clinical phrasings ("ReSPECT to follow", "not for chemo").
// The fifth tuning set (concepts_tune5.json, written for coverage) added
// children named with their age ("son 16") and a carer's strain said of
// "hubby" or "the main carer"; its plain phrases are in the file.
// Each is a cue a clinician would read as the theme, not a phrase of the
// set. A team's own file (WHATMATTERS_THEMES_FILE) replaces a built-in
// theme as a whole, these cues with it.
var builtinCues = []themeCues{
	{id: "life_story", cues: lifeStoryCues(), excludes: []string{
		"retired to bed", "by the postman", "the postman came", "postman found", "the milkman found",
	}},
	{id: "carer_strain", cues: carerStrainCues(), excludes: []string{
		"girls from the agency", "agency girls", "girls on the", "the girls at the", "carers + girls",
	}},
	{id: "independence_control", cues: []string{
		"not being a burden", "not a burden", "not wanting to be a burden", "dont want to be a burden",
		"doesnt want to be a burden", "didnt want to be a burden", "never wanted to be a burden",
		"wont put .. through that", "wouldnt put .. through that", "not put .. through that",
		"bed number", "just a number", "treated like a person", "being rescued",
		"own house on his own", "own house on her own",
	}},
	{id: "isolation", cues: []string{
		"outlived", "all gone now", "most are gone", "most have passed", "most have died", "nobody most days",
		"no one most days", "doesnt talk back", "dont talk back", "only company",
	}},
	{id: "preferred_place", cues: []string{
		"home to .. own bed", "back to her flat", "back to his flat", "back to her own", "back to his own",
		"dying in here", "die in here", "not dying in here", "hospice vs home", "home vs hospice",
		"hospice or home", "home or hospice", "get her to the hospice", "get him to the hospice",
		"where he wants to be", "where she wants to be", "where hed want to be", "where shed want to be",
	}},
	{id: "advance_care_plan", cues: []string{
		"respect to follow", "respect form", "his respect", "her respect", "the respect", "a respect",
		"no respect", "and respect", "respect + dnacpr", "respect + ventilat*", "respect + hospital",
		"respect + ceiling", "respect + escalat*", "nothing written down",
	}, excludes: []string{
		"respect for", "self respect", "with respect", "with the respect", "treat* .. with respect",
		"respect his decision", "respect her decision", "respect his choice", "respect her choice",
		"respect their decision", "respect their choice", "respect her privacy", "respect his privacy",
		"a respect of", "the respect of", "respect they", "respect she", "respect he",
	}},
	{id: "honest_conversations", cues: []string{
		"the word dying", "the word death", "name dying", "named dying", "how fast .. could go",
		"what the end .. look like", "what the end might", "what the end will", "what the next weeks",
		"what the next few weeks", "what the last days", "think shell rally", "think hell rally",
		"thinks shell rally", "thinks hell rally", "hasnt been told", "havent been told", "not been told",
	}},
	{id: "children_grandchildren", cues: append([]string{
		"littlies", "little uns", "little ones", "kiddies", "grandbabies + tell*",
	}, childAgeCues()...), excludes: []string{"lost .. babies", "losing .. babies", "lost .. baby", "losing .. baby"}},
	{id: "family_conflict", cues: []string{
		"dont agree", "doesnt agree", "didnt agree", "cant agree", "wont agree", "never agreed",
		"dont see eye to eye", "dont get on", "doesnt get on", "never got on",
	}, excludes: []string{"agree with the plan", "agree with us"}},
	{id: "living_for_milestone", cues: []string{"big school", "start school", "starting school", "first day at school"}},
	{id: "rapid_discharge", cues: []string{"rdt", "rapid discharge team", "get her out sooner", "get him out sooner"}},
	{id: "stopping_treatment", cues: []string{
		"not for chemo", "not for further chemo", "not for more chemo", "decided against chemo",
		"chose not to have", "chosen not to have", "decided not to have",
	}},
	{id: "care_package_delays", cues: []string{
		"cant start + agency", "cant start + package", "cant start + carers", "cant pick up",
		"couldnt pick up", "could pick up", "handing it back", "handed it back",
	}},
	{id: "culture_language", cues: []string{"her tradition", "his tradition", "their tradition", "in our tradition"}},
	{id: "neighbours_friends", cues: []string{"the regulars", "old regulars"}},
	{id: "pets", cues: []string{"who will have the dog", "who will have the cat", "wholl have the dog", "wholl have the cat"}},
}

// themeCues are cues and exclusions for one theme.
type themeCues struct {
	id             string
	cues, excludes []string
}

// addCues appends extra cues and exclusions to the themes they name.
func (c *Catalogue) addCues(extra []themeCues) error {
	for _, x := range extra {
		found := false
		for i := range c.Themes {
			if c.Themes[i].ID == x.id {
				c.Themes[i].Cues = append(c.Themes[i].Cues, x.cues...)
				c.Themes[i].Excludes = append(c.Themes[i].Excludes, x.excludes...)
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("cues for theme %q, which is not in the catalogue", x.id)
		}
	}
	return nil
}

// jobs are working lives teams name in passing, by the words for the job
// ("postie", "dinner lady"). Not "nurse" or "district nurse": they are
// services in every reflection ("was a nurse" and "nurse herself" are
// cues of their own).
var jobs = []string{
	"postman", "postie", "milkman", "miner", "docker", "farmer", "fisherman", "trawlerman", "cobbler",
	"firefighter", "fireman", "policeman", "copper", "bus driver", "lorry driver", "taxi driver",
	"dinner lady", "lollipop lady", "lollipop man", "typist", "ward sister",
	"headmistress", "headmaster", "school cook", "barmaid", "barman", "cleaner", "mechanic",
	"teacher", "butcher", "baker", "joiner", "bricklayer", "plumber", "electrician", "welder",
	"shopkeeper", "publican", "hairdresser", "seamstress", "machinist", "engineer", "soldier",
}

// lifeStoryCues: a working life named with how long it lasted ("a postie
// for 40 yrs", "40 odd years a milkman"), or by the words for the job or
// its place that are seldom used of anything else ("worked the docks",
// "on the buses", "the steelworks").
func lifeStoryCues() []string {
	cues := []string{
		"on the buses", "the steelworks", "steelworks", "colliery", "the pit", "pitman", "pitmen",
		"worked the docks", "on the docks", "worked the land", "farmed .. land", "farmed + years", "farmed + yrs", "on the rigs", "the rigs",
		"on the trawlers", "the railways", "on the railway", "merchant navy", "typing pool",
		"behind the bar", "in the mill", "worked at the mill", "cotton mill", "the shipyards", "ran the chippy",
		"nurse herself", "nurse himself", "nursed for", "taught for", "brought up .. kids",
		"brought up .. children", "brought up .. family", "raised .. kids", "raised .. family",
		"clock on", "clocking on", "night shift at the", "working life", "same round",
		"ran the + years", "ran the + yrs", "ran her + years", "ran his + years",
		"did + years at", "did + yrs at", "did + years on", "did + yrs on", "did + years in",
		"did + years behind", "years behind the", "yrs behind the", "odd years a", "odd yrs a",
		"head of the", "working away on", "worked away on",
	}
	for _, j := range jobs {
		// The job's words first: cues are looked up by their first word,
		// and "was" or "ex" would be looked up at every "was" and "ex".
		cues = append(cues, j+" + years", j+" + yrs", j+" + decades", j+" + was a", j+" + ex",
			j+" + former", j+" by trade", j+" all his life", j+" all her life")
	}
	return cues
}

// carerStrainCues: a family carer's strain said of family named
// collectively or by nickname ("the girls are shattered", "our kid's
// doing it all"), or of relatives the catalogue's pairs leave out.
func carerStrainCues() []string {
	who := []string{"girls", "boys", "kids", "lads", "our kid", "sister", "brother", "niece", "eldest", "twins", "hubby", "main carer"}
	strain := []string{"exhaust*", "shattered", "knackered", "worn out", "not sleeping", "on .. knees",
		"in tears", "beside herself", "beside himself", "not coping", "struggling", "doing it all",
		"does everything", "looks grey", "falling apart", "dead on .. feet"}
	var cues []string
	// The relative first: cues are looked up by their first word, and
	// "on", "in" or "not" would be looked up at almost every answer.
	for _, w := range who {
		for _, s := range strain {
			cues = append(cues, w+" + "+s)
		}
	}
	// Of the relatives the catalogue's pairs name, the strain it leaves
	// out, its rarer word first ("wife" is in almost every answer).
	for _, w := range []string{"wife", "husband", "partner", "daughter", "son"} {
		for _, s := range []string{"tears", "beside herself", "beside himself", "knackered", "times a night", "looks grey"} {
			cues = append(cues, s+" + "+w)
		}
	}
	return cues
}

// childAgeCues: a child named with an age under 18, as teams write it in
// a list of who is around ("son 16", "daughter 9", "grandson aged 4").
// Adults ("daughter 52") are not children in this theme's sense.
func childAgeCues() []string {
	var cues []string
	for _, who := range []string{"son", "daughter", "boy", "girl", "lad", "lass", "grandson", "granddaughter", "stepson", "stepdaughter"} {
		for age := 1; age < 18; age++ {
			cues = append(cues, fmt.Sprintf("%s %d", who, age), fmt.Sprintf("%s aged %d", who, age))
		}
	}
	return cues
}
