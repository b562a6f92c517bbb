// Package views holds the portal's templ components: the layout, the pages
// and the partials htmx swaps in. View models are shaped for the screen.
package views

import "time"

// Shell is what the layout needs on every page.
type Shell struct {
	Title string
	// Active names the navigation item of the page ("runs", ...).
	Active string
	User   *ShellUser
	// CSRF is the token every form and htmx request sends back.
	CSRF          string
	TemporalUIURL string
	// Unread counts the user's unread notifications, shown in the header.
	Unread int64
}

// ShellUser is the signed-in user as the header shows them.
type ShellUser struct {
	Name, Email string
	Admin       bool
	Teams       []string
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Key, Label, Href string
	// AdminOnly items are shown to admins only (others could not open them).
	AdminOnly bool
}

// Nav is the main navigation, in order.
var Nav = []NavItem{
	{"self-service", "Self-service", "/self-service", false},
	{"runs", "Runs", "/runs", false},
	{"approvals", "Approvals", "/approvals", false},
	{"insights", "Insights", "/insights", false},
	{"catalog", "Catalog", "/catalog", false},
	{"audit", "Audit", "/audit", true},
	{"secrets", "Secrets", "/secrets", true},
	{"actions", "Actions", "/actions", true},
}

// LoginChoice is one seeded user offered on the dev login page.
type LoginChoice struct {
	Email, Name, Role string
}

// Login is what the sign-in page offers.
type Login struct {
	// Dev shows the dev login's Choices.
	Dev     bool
	Choices []LoginChoice
	// SSOURL starts single sign-on; empty hides the button.
	SSOURL string
	// Next is where to go once signed in; Error explains a failed attempt.
	Next, Error string
}

// TokenRow is one API token in the tokens table.
type TokenRow struct {
	ID, Name, Prefix string
	Created          time.Time
	LastUsed         *time.Time
	Expires          *time.Time
	Revoked          bool
}

// NewToken is shown once, right after creating a token.
type NewToken struct {
	Name, Secret string
}
