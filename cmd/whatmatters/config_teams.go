package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"whatmatters/teams"
)

// The Microsoft Teams settings (TEAMS_*): read and checked here;
// teamsVerifierConfig and teamsTokenConfig give the adapter (serve_teams.go)
// what it needs.

// TeamsGUID is a GUID such as an app id; empty when unset.
type TeamsGUID string

// Decode accepts a GUID (lower-cased) or nothing.
func (g *TeamsGUID) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v != "" && !teams.IsGUID(v) {
		return decodeError{fmt.Errorf("%q is not a GUID such as 00000000-0000-0000-0000-000000000000: give the Application (client) ID of the bot's Entra ID app registration", value)}
	}
	*g = TeamsGUID(strings.ToLower(v))
	return nil
}

// TeamsTenant is an Entra ID tenant: its GUID, or a verified domain name.
type TeamsTenant string

var tenantDomain = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// Decode accepts a tenant GUID or domain name, or nothing.
func (t *TeamsTenant) Decode(value string) error {
	v := strings.ToLower(strings.TrimSpace(value))
	if v != "" && !teams.IsGUID(v) && !tenantDomain.MatchString(v) {
		return decodeError{fmt.Errorf("%q is not a tenant: give the Directory (tenant) ID, a GUID, or a verified domain such as trust.onmicrosoft.com", value)}
	}
	*t = TeamsTenant(v)
	return nil
}

// TeamsTenants is the tenant allow-list: tenant GUIDs.
type TeamsTenants []string

// Decode accepts comma-separated tenant GUIDs, or nothing.
func (t *TeamsTenants) Decode(value string) error {
	var out []string
	for _, v := range strings.Split(value, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !teams.IsGUID(v) {
			return decodeError{fmt.Errorf("%q is not a tenant GUID; list Directory (tenant) IDs separated by commas", v)}
		}
		out = append(out, strings.ToLower(v))
	}
	*t = out
	return nil
}

// Secret is a setting that is never shown: not in errors, not in
// whatmatters config, not when the configuration is printed.
type Secret string

// Decode accepts any value without spaces at its ends (a pasted secret with
// a trailing newline would fail only at Entra ID); the value never appears
// in the error.
func (s *Secret) Decode(value string) error {
	if value != strings.TrimSpace(value) {
		return decodeError{errors.New("has spaces or a line break at its start or end; set the secret alone (the value is not shown)")}
	}
	*s = Secret(value)
	return nil
}

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "(set)"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// EndpointURL is an https URL of a Microsoft endpoint, or plain http on
// this machine (tests' stand-ins); empty when unset.
type EndpointURL string

// Decode accepts an absolute https URL, or http to localhost or a loopback
// address, without a user name or password.
func (u *EndpointURL) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v == "" {
		*u = ""
		return nil
	}
	p, err := url.Parse(v)
	if err != nil || !p.IsAbs() || p.Host == "" || p.Opaque != "" {
		return decodeError{fmt.Errorf("%q is not an absolute URL such as https://login.example.com/path", value)}
	}
	if p.User != nil {
		return decodeError{fmt.Errorf("the URL for host %q carries a user name or password; leave them out", p.Host)}
	}
	switch {
	case p.Scheme == "https":
	case p.Scheme == "http" && isLoopback(p.Hostname()):
	default:
		return decodeError{fmt.Errorf("%q is not https (plain http only to localhost, for tests)", value)}
	}
	*u = EndpointURL(v)
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkTeams checks the Teams settings together: an app id needs its
// secret and a tenant (or a token URL), and none of the others means
// anything without the app id. Errors name variables, never values.
func (c Config) checkTeams() error {
	if c.TeamsAppID == "" {
		for _, v := range []struct {
			name string
			set  bool
		}{
			{"TEAMS_APP_PASSWORD", c.TeamsAppPassword != ""},
			{"TEAMS_APP_CERTIFICATE", c.TeamsCertificate != ""},
			{"TEAMS_TENANT_ID", c.TeamsTenantID != ""},
			{"TEAMS_ALLOWED_TENANTS", len(c.TeamsTenants) > 0},
			{"TEAMS_TOKEN_URL", c.TeamsTokenURL != ""},
			{"TEAMS_GRAPH_URL", c.TeamsGraphURL != ""},
		} {
			if v.set {
				return fmt.Errorf("%s is set but TEAMS_APP_ID is not: set the bot's app id too, or unset %s", v.name, v.name)
			}
		}
		return nil
	}
	switch {
	case c.TeamsAppPassword == "" && c.TeamsCertificate == "":
		return errors.New("TEAMS_APP_PASSWORD is not set: with TEAMS_APP_ID, give the app registration's client secret (or TEAMS_APP_CERTIFICATE, its certificate)")
	case c.TeamsAppPassword != "" && c.TeamsCertificate != "":
		return errors.New("TEAMS_APP_PASSWORD and TEAMS_APP_CERTIFICATE are both set: give the app registration's secret or its certificate, not both")
	case c.TeamsCertificate != "":
		if _, err := teams.LoadCertificate(c.TeamsCertificate); err != nil {
			return fmt.Errorf("TEAMS_APP_CERTIFICATE: %w", err)
		}
	}
	if c.TeamsTenantID == "" && c.TeamsTokenURL == "" {
		return errors.New("TEAMS_TENANT_ID is not set: with TEAMS_APP_ID, give the tenant the bot is registered in (new bots are single-tenant)")
	}
	return nil
}

// teamsEnabled reports whether the Teams settings are given.
func (c Config) teamsEnabled() bool { return c.TeamsAppID != "" }

// teamsVerifierConfig is what the adapter's request verifier needs.
func (c Config) teamsVerifierConfig() teams.VerifierConfig {
	return teams.VerifierConfig{
		AppID:       string(c.TeamsAppID),
		MetadataURL: string(c.TeamsOpenIDMetadata),
		Tenants:     append([]string(nil), c.TeamsTenants...),
	}
}

// teamsTokenConfig is what the adapter's token source needs: the secret,
// or the certificate read from its file.
func (c Config) teamsTokenConfig() (teams.TokenConfig, error) {
	tc := teams.TokenConfig{
		AppID:       string(c.TeamsAppID),
		AppPassword: string(c.TeamsAppPassword),
		TenantID:    string(c.TeamsTenantID),
		TokenURL:    string(c.TeamsTokenURL),
	}
	if c.TeamsCertificate != "" {
		cert, err := teams.LoadCertificate(c.TeamsCertificate)
		if err != nil {
			return tc, fmt.Errorf("TEAMS_APP_CERTIFICATE: %w", err)
		}
		tc.Certificate = cert
	}
	return tc, nil
}
