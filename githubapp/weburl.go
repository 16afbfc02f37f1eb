package githubapp

import (
	"net/url"
	"strings"
)

// WebURL derives GitHub's web address (where people follow links: blobs,
// issues, settings) from its REST API URL. The API lives on another host
// or path than the pages, and it differs by product:
//
//	github.com                https://api.github.com          → https://github.com
//	GitHub Enterprise Server  https://HOST/api/v3             → https://HOST
//	GHE.com (data residency)  https://api.SUBDOMAIN.ghe.com   → https://SUBDOMAIN.ghe.com
//
// Anything else (a test fake, a proxy) is returned as it is, without a
// trailing slash.
func WebURL(apiURL string) string {
	apiURL = strings.TrimRight(apiURL, "/")
	if apiURL == "" {
		return "https://github.com"
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return apiURL
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "api.github.com":
		return "https://github.com"
	case strings.HasPrefix(host, "api.") && strings.HasSuffix(host, ".ghe.com"):
		u.Host = u.Host[len("api."):]
		u.Path, u.RawPath = "", ""
		return strings.TrimRight(u.String(), "/")
	case strings.HasSuffix(u.Path, "/api/v3"):
		u.Path = strings.TrimSuffix(u.Path, "/api/v3")
		u.RawPath = ""
		return strings.TrimRight(u.String(), "/")
	}
	return apiURL
}
