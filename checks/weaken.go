package checks

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/settings"
)

// Weakening is a security setting whose production-view value is weaker at
// head than at base although no rule need fire (HSTS seconds lowered, a
// validator or security middleware removed, a JWT lifetime raised, a
// throttle rate loosened, an env default flipped unsafe).
type Weakening struct {
	// Setting names what weakened: "SECURE_HSTS_SECONDS", "MIDDLEWARE",
	// "SIMPLE_JWT.ACCESS_TOKEN_LIFETIME",
	// "REST_FRAMEWORK.DEFAULT_THROTTLE_RATES.anon".
	Setting string
	// Path and Line locate the weaker value at head (see Weakened).
	Path string
	Line int
	// BasePath and BaseLine locate the stronger value at base (0 when it
	// was Django's or a package's default).
	BasePath string
	BaseLine int
	// Before and After are human-readable values at base and head
	// ("31536000 (1 year)").
	Before, After string
	// Message is one sentence: what got weaker and what to do.
	Message string
}

// Weakened compares the production view of the security settings at base
// and head and lists those that got weaker, whether or not a rule fires on
// the head value: a regression a reviewer should see even when the result
// still passes.
//
// Settings modules are matched by the path of their entry module; both
// sides must judge it production. A renamed or moved settings module is
// the caller's to map: pass base's contents under head's paths. Only
// values djsec knows at both sides are compared; unknown at either side
// (an undecided condition, a required environment variable, an opaque
// module) says nothing. An environment read counts with its default, the
// value a deployment gets without the variable, so a default flipped to
// the unsafe side is a weakening like a changed literal.
//
// Path and Line are where head sets the weaker value: the statement, the
// dict entry or the environment default. A removal (a middleware, a
// validator, a dict key) points at the statement that builds the list or
// dict at head. When head no longer sets the setting at all, Line is 0 and
// Path is the file base set it in if head still has that file, else the
// entry module; BasePath and BaseLine say where it was.
func Weakened(ctx context.Context, base, head Input) []Weakening {
	return weakened(ctx, NewProject(base), NewProject(head), nil)
}

// weakened compares projects already read; renamed maps base paths to head
// paths (Compare's callers analyze the base at its own paths), so a
// renamed module is compared with its new self and the base positions
// reported are those of its new path, as when the caller moves the files.
func weakened(ctx context.Context, bp, hp *Project, renamed map[string]string) []Weakening {
	moved := func(p string) string {
		if to, ok := renamed[p]; ok {
			return to
		}
		return p
	}
	baseModels := map[string]*settings.Model{}
	for _, m := range bp.Settings {
		baseModels[moved(m.Path)] = m
	}
	var out []Weakening
	seen := map[string]bool{}
	for _, hm := range hp.Settings {
		if ctx.Err() != nil {
			break
		}
		bm := baseModels[hm.Path]
		if bm == nil || hm.Role != settings.Production || bm.Role != settings.Production {
			continue
		}
		w := &weakener{b: weakSide{bp, bm}, h: weakSide{hp, hm}, moved: moved}
		w.run()
		for _, x := range w.out {
			// Several production entry modules star-import the same
			// base.py: one line, one weakening.
			key := x.Setting + "\x00" + x.Path + "\x00" + strconv.Itoa(x.Line) + "\x00" + x.After
			if !seen[key] {
				seen[key] = true
				out = append(out, x)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Weakening) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Setting, b.Setting)
	})
	return out
}

type weakSide struct {
	p *Project
	m *settings.Model
}

// weakener compares one entry module at base and head.
type weakener struct {
	b, h weakSide
	// moved maps a base path to the path it has at head.
	moved func(string) string
	out   []Weakening
}

func (w *weakener) run() {
	w.middleware()
	w.hsts()
	for _, f := range weakFlags {
		w.flag(f)
	}
	w.xFrameOptions()
	w.sameSite("SESSION_COOKIE_SAMESITE", "the session cookie")
	w.sameSite("CSRF_COOKIE_SAMESITE", "the CSRF cookie")
	w.passwordValidators()
	w.jwt()
	w.drf()
}

// report records a weakening. at is where head sets the weaker value
// (zero: head no longer sets it), was where base set the stronger one.
func (w *weakener) report(setting string, at, was settings.Pos, before, after, msg string) {
	if was.Path != "" {
		was.Path = w.moved(was.Path)
	}
	x := Weakening{Setting: setting, Path: at.Path, Line: at.Line, BasePath: was.Path, BaseLine: was.Line, Before: before, After: after, Message: msg}
	if x.Path == "" {
		x.Line = 0
		x.Path = w.h.m.Path
		if _, still := w.h.p.Files[was.Path]; still && was.Path != "" {
			x.Path = was.Path
		}
	}
	w.out = append(w.out, x)
}

// lookup is a setting's value and the statement that set it; unset names
// take def (Django's default when def is nil), and nothing is known of an
// unset name in an opaque module. Older spellings in aliases count when
// the name itself is unset.
func (s weakSide) lookup(name string, def *settings.Value, aliases ...string) (v *settings.Value, pos settings.Pos, set bool) {
	for _, n := range append([]string{name}, aliases...) {
		if st, ok := s.m.Lookup(n); ok {
			return st.Value, st.Pos, true
		}
	}
	if s.m.Opaque {
		return &settings.Value{Kind: settings.Unknown}, settings.Pos{}, false
	}
	if def != nil {
		return def, settings.Pos{}, false
	}
	v, _ = s.p.Get(s.m, name)
	return v, settings.Pos{}, false
}

// valuePos prefers the line of an environment read's default to the
// statement's first line: in a multi-line read that is the line a pull
// request changes.
func valuePos(v *settings.Value, stmt settings.Pos) settings.Pos {
	if v != nil && v.Env != nil && v.Env.DefaultPos.Path != "" && v.Env.DefaultPos.Line > 0 {
		return v.Env.DefaultPos
	}
	return stmt
}

// describe renders a value for Before/After, saying where it comes from
// when that is not a literal.
func describe(v *settings.Value, set bool, render func(*settings.Value) string) string {
	if !set {
		r := render(v)
		if before, note, ok := strings.Cut(r, " ("); ok && strings.HasSuffix(note, ")") {
			return before + " (default; " + note
		}
		return r + " (default)"
	}
	if v != nil && v.Known() && v.Env != nil {
		if v.Env.Var != "" {
			return render(v) + " (default of $" + v.Env.Var + ")"
		}
		return render(v) + " (environment default)"
	}
	if v != nil && !v.Known() && len(v.Alts) > 0 {
		return show(v, render) + ", whichever branch runs"
	}
	return render(v)
}

// show renders a value, or the candidates of a condition djsec could not
// decide (which every comparison here requires to agree).
func show(v *settings.Value, render func(*settings.Value) string) string {
	if v == nil || v.Known() || len(v.Alts) == 0 {
		return render(v)
	}
	alts := make([]string, len(v.Alts))
	for i, a := range v.Alts {
		alts[i] = show(a, render)
	}
	return strings.Join(slices.Compact(alts), " or ")
}

func plain(v *settings.Value) string { return v.String() }

// changed says how a setting went from base to head, for a message that
// continues with ", so …": a setting no longer set falls back to a default
// the reader may not know.
func changed(name string, bv *settings.Value, bset bool, hv *settings.Value, hset bool, render func(*settings.Value) string) string {
	b, h := show(bv, render), show(hv, render)
	switch {
	case bset && !hset:
		return fmt.Sprintf("%s is no longer set (it was %s), which means the default %s", name, b, h)
	case !bset && hset:
		return fmt.Sprintf("%s went from the default %s to %s%s", name, b, h, envNote(hv))
	}
	return fmt.Sprintf("%s went from %s to %s%s", name, b, h, envNote(hv))
}

// envNote explains a weaker value that is an environment default, so the
// reader looks at the default and not at the deployment's variable.
func envNote(v *settings.Value) string {
	if v == nil || v.Env == nil || !v.Known() {
		return ""
	}
	if v.Env.Var != "" {
		return " when $" + v.Env.Var + " is unset"
	}
	return " when the environment variable is unset"
}

// ---- middleware ----

// weakMiddleware are middleware whose removal drops a protection; any of
// a group's paths provides it.
var weakMiddleware = []struct {
	paths  []string
	effect string
}{
	{[]string{httpsSecurityMiddleware}, "the HTTPS redirect, HSTS and the nosniff, Referrer-Policy and COOP headers stop, whatever the SECURE_* settings say"},
	{[]string{httpsCSRFMiddleware}, "forms and session-authenticated views lose CSRF protection"},
	{[]string{httpsXFrameMiddleware}, "pages lose X-Frame-Options and can be framed for clickjacking"},
	{[]string{httpsDjangoCSPMiddleware, httpsCSPPackageMiddleware}, "no Content-Security-Policy header is sent"},
	{[]string{"axes.middleware.AxesMiddleware"}, "django-axes stops locking out repeated failed logins"},
}

func (w *weakener) middleware() {
	hv, hpos, _ := w.h.lookup("MIDDLEWARE", nil)
	_, bpos, _ := w.b.lookup("MIDDLEWARE", nil)
	for _, g := range weakMiddleware {
		var had string
		for _, p := range g.paths {
			if httpsListMember(w.b.p, w.b.m, "MIDDLEWARE", p) == httpsMemberPresent {
				had = p
				break
			}
		}
		if had == "" {
			continue
		}
		gone := true
		for _, p := range g.paths {
			if httpsListMember(w.h.p, w.h.m, "MIDDLEWARE", p) != httpsMemberAbsent {
				gone = false
			}
		}
		if !gone || replacedByClass(hv, had) {
			continue
		}
		class := lastSegment(had)
		w.report("MIDDLEWARE", hpos, bpos, "includes "+class, class+" removed", fmt.Sprintf(
			"%s was removed from MIDDLEWARE, so %s: put %s back in MIDDLEWARE", class, g.effect, had))
	}
}

// replacedByClass reports a list holding a class of the same name under
// another module (a project's subclass): what it does is unknown, so its
// swap for the original is not called a removal.
func replacedByClass(list *settings.Value, path string) bool {
	if list == nil {
		return false
	}
	candidates := []*settings.Value{list}
	if !list.Known() {
		candidates = list.Alts
	}
	class := lastSegment(path)
	for _, l := range candidates {
		for _, it := range l.Items {
			if it != nil && it.Kind == settings.Str && it.Str != path && lastSegment(it.Str) == class {
				return true
			}
		}
	}
	return false
}

// ---- HSTS ----

// hstsSeconds is the max-age the header carries: falsy values send no
// header (0), numbers and numeric strings their value.
func hstsSeconds(v *settings.Value) (float64, bool) {
	return httpsDecide(v, func(v *settings.Value) (float64, bool) {
		if !v.Known() {
			return 0, false
		}
		if on, ok := v.Truthy(); ok && !on {
			return 0, true
		}
		return httpsHSTSSeconds(v)
	})
}

func (w *weakener) hsts() {
	if httpsListMember(w.h.p, w.h.m, "MIDDLEWARE", httpsSecurityMiddleware) == httpsMemberAbsent {
		return // a removed SecurityMiddleware is reported as such; without it HSTS is moot
	}
	bv, bpos, bset := w.b.lookup("SECURE_HSTS_SECONDS", nil)
	hv, hpos, hset := w.h.lookup("SECURE_HSTS_SECONDS", nil)
	bs, ok1 := hstsSeconds(bv)
	hs, ok2 := hstsSeconds(hv)
	if !ok1 || !ok2 || hs >= bs {
		return
	}
	render := func(v *settings.Value) string {
		s, ok := hstsSeconds(v)
		if !ok {
			return v.String()
		}
		if s <= 0 {
			return v.String() + " (off)"
		}
		return v.String() + " (" + humanSeconds(s) + ")"
	}
	what := "browsers forget sooner that the site is HTTPS-only"
	if hs <= 0 {
		what = "no Strict-Transport-Security header is sent and HTTPS can be stripped on a first plain-HTTP visit"
	}
	w.report("SECURE_HSTS_SECONDS", valuePos(hv, hpos), valuePos(bv, bpos), describe(bv, bset, render), describe(hv, hset, render), fmt.Sprintf(
		"%s, so %s: set it back to %s unless HSTS is being rolled back on purpose",
		changed("SECURE_HSTS_SECONDS", bv, bset, hv, hset, render), what, strconv.FormatFloat(bs, 'f', -1, 64)))
}

// humanSeconds renders a duration in seconds in its largest whole unit.
func humanSeconds(s float64) string {
	if s <= 0 {
		return "0 seconds"
	}
	if s != math.Trunc(s) || s > 1e15 {
		return strconv.FormatFloat(s, 'g', -1, 64) + " seconds"
	}
	n := int64(s)
	for _, u := range []struct {
		secs int64
		name string
	}{{365 * 86400, "year"}, {7 * 86400, "week"}, {86400, "day"}, {3600, "hour"}, {60, "minute"}} {
		if n >= u.secs && n%u.secs == 0 {
			return plural(n/u.secs, u.name)
		}
	}
	return plural(n, "second")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.FormatInt(n, 10) + " " + unit + "s"
}

// ---- boolean flags ----

// weakFlag is a setting whose truth turns a protection on (secure true)
// or off (secure false). Middleware and runtime test truthiness, so a
// string is as on as True: the rules say when Django's checks disagree.
type weakFlag struct {
	name    string
	secure  bool
	aliases []string
	def     *settings.Value // the package's default, for settings Django does not define
	// gate says whether the setting has any effect at head.
	gate   func(s weakSide) bool
	effect string // what the weaker value does
	todo   string
}

var weakFlags = []weakFlag{
	{name: "DEBUG", secure: false, effect: "error pages show tracebacks, settings and SQL to every visitor", todo: "default it to False and turn it on only where the environment says so"},
	{name: "DEBUG_PROPAGATE_EXCEPTIONS", secure: false, effect: "exceptions escape Django's error handling and may reach visitors", todo: "keep it False"},
	{name: "SECURE_SSL_REDIRECT", secure: true, gate: securityMiddlewareKept, effect: "plain-HTTP requests are served instead of redirected to HTTPS", todo: "set it back to True"},
	{name: "SECURE_HSTS_INCLUDE_SUBDOMAINS", secure: true, gate: hstsKept, effect: "HSTS no longer covers subdomains", todo: "set it back to True"},
	{name: "SECURE_HSTS_PRELOAD", secure: true, gate: hstsKept, effect: "the domain no longer qualifies for the browsers' HSTS preload list", todo: "set it back to True"},
	{name: "SECURE_CONTENT_TYPE_NOSNIFF", secure: true, gate: securityMiddlewareKept, effect: "responses lose the X-Content-Type-Options (nosniff) header", todo: "set it back to True"},
	{name: "SESSION_COOKIE_SECURE", secure: true, effect: "the session cookie is also sent over plain HTTP, where it can be sniffed", todo: "set it back to True"},
	{name: "SESSION_COOKIE_HTTPONLY", secure: true, effect: "JavaScript can read the session cookie and an XSS bug can steal sessions", todo: "set it back to True"},
	{name: "CSRF_COOKIE_SECURE", secure: true, gate: csrfCookieUsed, effect: "the CSRF cookie is also sent over plain HTTP", todo: "set it back to True"},
	{name: "CORS_ALLOW_ALL_ORIGINS", secure: false, aliases: []string{"CORS_ORIGIN_ALLOW_ALL"}, def: boolean(false), effect: "any website can read the API's responses from a visitor's browser", todo: "list the trusted origins in CORS_ALLOWED_ORIGINS instead"},
}

func securityMiddlewareKept(s weakSide) bool {
	return httpsListMember(s.p, s.m, "MIDDLEWARE", httpsSecurityMiddleware) != httpsMemberAbsent
}

func hstsKept(s weakSide) bool {
	if !securityMiddlewareKept(s) {
		return false
	}
	v, _, _ := s.lookup("SECURE_HSTS_SECONDS", nil)
	secs, ok := hstsSeconds(v)
	return !ok || secs > 0
}

func csrfCookieUsed(s weakSide) bool {
	v, _, _ := s.lookup("CSRF_USE_SESSIONS", nil)
	on, ok := httpsTruthy(v)
	return !ok || !on
}

func (w *weakener) flag(f weakFlag) {
	if f.gate != nil && !f.gate(w.h) {
		return
	}
	bv, bpos, bset := w.b.lookup(f.name, f.def, f.aliases...)
	hv, hpos, hset := w.h.lookup(f.name, f.def, f.aliases...)
	bt, ok1 := httpsTruthy(bv)
	ht, ok2 := httpsTruthy(hv)
	if !ok1 || !ok2 || bt != f.secure || ht == f.secure {
		return
	}
	onOff := func(v *settings.Value) string {
		if t, ok := httpsTruthy(v); ok && t != (v.Kind == settings.Bool && v.Bool) {
			if t {
				return v.String() + " (on)"
			}
			return v.String() + " (off)"
		}
		return v.String()
	}
	msg := fmt.Sprintf("%s, so %s: %s", changed(f.name, bv, bset, hv, hset, onOff), f.effect, f.todo)
	if bv.Env != nil && hv.Env != nil && bv.Env.Var == hv.Env.Var && bv.Env.Var != "" && bv.Known() && hv.Known() {
		msg = fmt.Sprintf("The default of $%s for %s flipped from %s to %s, so wherever the variable is unset %s: %s", hv.Env.Var, f.name, onOff(bv), onOff(hv), f.effect, f.todo)
	}
	w.report(f.name, valuePos(hv, hpos), valuePos(bv, bpos), describe(bv, bset, onOff), describe(hv, hset, onOff), msg)
}

// ---- X_FRAME_OPTIONS and SameSite ----

func (w *weakener) xFrameOptions() {
	if httpsListMember(w.h.p, w.h.m, "MIDDLEWARE", httpsXFrameMiddleware) != httpsMemberPresent {
		return
	}
	rank := func(v *settings.Value) (int, bool) {
		return httpsDecide(v, func(v *settings.Value) (int, bool) {
			if v == nil || v.Kind != settings.Str {
				return 0, false
			}
			switch strings.ToUpper(strings.TrimSpace(v.Str)) {
			case "DENY":
				return 1, true
			case "SAMEORIGIN":
				return 0, true
			}
			return 0, false
		})
	}
	bv, bpos, bset := w.b.lookup("X_FRAME_OPTIONS", nil)
	hv, hpos, hset := w.h.lookup("X_FRAME_OPTIONS", nil)
	br, ok1 := rank(bv)
	hr, ok2 := rank(hv)
	if !ok1 || !ok2 || hr >= br {
		return
	}
	w.report("X_FRAME_OPTIONS", valuePos(hv, hpos), valuePos(bv, bpos), describe(bv, bset, plain), describe(hv, hset, plain), fmt.Sprintf(
		"%s, so same-origin pages can frame every page: keep \"DENY\" and mark the views that must be framed with @xframe_options_sameorigin",
		changed("X_FRAME_OPTIONS", bv, bset, hv, hset, plain)))
}

func (w *weakener) sameSite(name, cookie string) {
	rank := func(v *settings.Value) (int, bool) {
		return httpsDecide(v, func(v *settings.Value) (int, bool) {
			if !v.Known() {
				return 0, false
			}
			if httpsSameSiteOff(v) {
				return 0, true
			}
			if v.Kind != settings.Str {
				return 0, false
			}
			switch strings.ToLower(strings.TrimSpace(v.Str)) {
			case "lax":
				return 1, true
			case "strict":
				return 2, true
			}
			return 0, false
		})
	}
	bv, bpos, bset := w.b.lookup(name, nil)
	hv, hpos, hset := w.h.lookup(name, nil)
	br, ok1 := rank(bv)
	hr, ok2 := rank(hv)
	if !ok1 || !ok2 || hr >= br {
		return
	}
	what := "browsers send " + cookie + " with fewer protections against cross-site requests"
	if hr == 0 {
		what = "browsers send " + cookie + " with cross-site requests, removing a defence against CSRF"
	}
	w.report(name, valuePos(hv, hpos), valuePos(bv, bpos), describe(bv, bset, plain), describe(hv, hset, plain), fmt.Sprintf(
		"%s, so %s: keep %s", changed(name, bv, bset, hv, hset, plain), what, show(bv, plain)))
}

// ---- password validators ----

func (w *weakener) passwordValidators() {
	if _, absent := authUsesAuthApp(w.h.p, w.h.m); absent {
		return
	}
	_, bEntries, ok1 := authValidators(w.b.p, w.b.m)
	_, hEntries, ok2 := authValidators(w.h.p, w.h.m)
	if !ok1 || !ok2 {
		return
	}
	_, hpos, _ := w.h.lookup("AUTH_PASSWORD_VALIDATORS", nil)
	_, bpos, _ := w.b.lookup("AUTH_PASSWORD_VALIDATORS", nil)
	have := map[string]bool{}
	for _, e := range hEntries {
		name := e.Get("NAME").Str
		have[name] = true
		have["class:"+lastSegment(name)] = true
	}
	var removed []string
	for _, e := range bEntries {
		name := e.Get("NAME").Str
		if !have[name] && !have["class:"+lastSegment(name)] && !slices.Contains(removed, name) {
			removed = append(removed, name)
		}
	}
	if len(removed) > 0 {
		classes := make([]string, len(removed))
		for i, r := range removed {
			classes[i] = lastSegment(r)
		}
		w.report("AUTH_PASSWORD_VALIDATORS", hpos, bpos,
			fmt.Sprintf("%d validators", len(bEntries)), fmt.Sprintf("%d validators (%s removed)", len(hEntries), strings.Join(classes, ", ")),
			fmt.Sprintf("AUTH_PASSWORD_VALIDATORS no longer has %s, so passwords it rejected are accepted again: put %s back", strings.Join(classes, ", "), strings.Join(removed, ", ")))
	}
	bn, bAt, _, bFound, ok1 := authMinLength(w.b.m, bEntries)
	hn, hAt, _, hFound, ok2 := authMinLength(w.h.m, hEntries)
	if !ok1 || !ok2 || !bFound || !hFound || hn >= bn {
		return
	}
	w.report("AUTH_PASSWORD_VALIDATORS.MinimumLengthValidator", hAt, bAt, strconv.FormatInt(bn, 10)+" characters", strconv.FormatInt(hn, 10)+" characters", fmt.Sprintf(
		"MinimumLengthValidator's min_length went down from %d to %d, so shorter passwords are accepted: keep min_length at %d or more", bn, hn, bn))
}

// orPos is p, or fallback when p locates nothing.
func orPos(p, fallback settings.Pos) settings.Pos {
	if p.Path != "" && p.Line > 0 {
		return p
	}
	return fallback
}

// ---- simplejwt ----

// jwtDefaults are simplejwt's lifetimes when SIMPLE_JWT leaves them out.
var jwtDefaults = []struct {
	key string
	def time.Duration
}{
	{"ACCESS_TOKEN_LIFETIME", 5 * time.Minute},
	{"REFRESH_TOKEN_LIFETIME", 24 * time.Hour},
	{"SLIDING_TOKEN_LIFETIME", 5 * time.Minute},
	{"SLIDING_TOKEN_REFRESH_LIFETIME", 24 * time.Hour},
}

func (w *weakener) jwt() {
	bcfg, ok1 := jwtConfig(w.b.p, w.b.m)
	hcfg, ok2 := jwtConfig(w.h.p, w.h.m)
	if !ok1 || !ok2 || bcfg == nil && hcfg == nil || !jwtInUse(w.b.p, w.b.m) || !jwtInUse(w.h.p, w.h.m) {
		// simplejwt's defaults only count where simplejwt is in use on
		// both sides: adopting or dropping it is no weakening.
		return
	}
	_, hstmt, _ := w.h.lookup("SIMPLE_JWT", nil)
	for _, d := range jwtDefaults {
		lifetime := func(m *settings.Model, cfg *settings.Value) (time.Duration, settings.Pos, string, bool) {
			v, pos, known := jwtKey(m, cfg, d.key)
			if !known {
				return 0, pos, "", false
			}
			if v == nil {
				return d.def, settings.Pos{}, jwtHuman(d.def) + " (simplejwt's default)", true
			}
			dur, ok := httpsDecide(v, func(v *settings.Value) (time.Duration, bool) {
				return v.Dur, v != nil && v.Kind == settings.Duration
			})
			if !ok {
				return 0, pos, "", false
			}
			desc := jwtHuman(dur)
			if v.Env != nil && v.Env.Var != "" {
				desc += " (default of $" + v.Env.Var + ")"
			}
			return dur, valuePos(v, pos), desc, true
		}
		bd, bpos, bdesc, ok1 := lifetime(w.b.m, bcfg)
		hd, hpos, hdesc, ok2 := lifetime(w.h.m, hcfg)
		if !ok1 || !ok2 || hd <= bd {
			continue
		}
		w.report("SIMPLE_JWT."+d.key, orPos(hpos, hstmt), bpos, bdesc, hdesc, fmt.Sprintf(
			"SIMPLE_JWT %s went up from %s to %s, so a stolen token stays usable longer: keep it at %s or less",
			d.key, jwtHuman(bd), jwtHuman(hd), jwtHuman(bd)))
	}
	rotB, rotBpos, rotBdesc, ok1 := w.jwtFlag(w.b.m, bcfg, "ROTATE_REFRESH_TOKENS")
	rotH, rotHpos, rotHdesc, ok2 := w.jwtFlag(w.h.m, hcfg, "ROTATE_REFRESH_TOKENS")
	if ok1 && ok2 && rotB && !rotH {
		w.report("SIMPLE_JWT.ROTATE_REFRESH_TOKENS", orPos(rotHpos, hstmt), rotBpos, rotBdesc, rotHdesc,
			"SIMPLE_JWT ROTATE_REFRESH_TOKENS was turned off, so one refresh token stays usable for its whole lifetime: keep it True with BLACKLIST_AFTER_ROTATION")
	}
	if !ok2 || !rotH {
		return // blacklisting after rotation means nothing without rotation
	}
	blB, blBpos, blBdesc, ok1 := w.jwtFlag(w.b.m, bcfg, "BLACKLIST_AFTER_ROTATION")
	blH, blHpos, blHdesc, ok2 := w.jwtFlag(w.h.m, hcfg, "BLACKLIST_AFTER_ROTATION")
	if ok1 && ok2 && blB && !blH {
		w.report("SIMPLE_JWT.BLACKLIST_AFTER_ROTATION", orPos(blHpos, hstmt), blBpos, blBdesc, blHdesc,
			"SIMPLE_JWT BLACKLIST_AFTER_ROTATION was turned off, so rotated refresh tokens stay valid until they expire: set it back to True")
	}
}

// jwtFlag reads a SIMPLE_JWT flag (simplejwt's default False when absent).
func (w *weakener) jwtFlag(m *settings.Model, cfg *settings.Value, key string) (on bool, pos settings.Pos, desc string, ok bool) {
	v, at, known := jwtKey(m, cfg, key)
	if !known {
		return false, settings.Pos{}, "", false
	}
	if v == nil {
		return false, settings.Pos{}, "False (simplejwt's default)", true
	}
	on, ok = httpsTruthy(v)
	return on, valuePos(v, at), describe(v, true, plain), ok
}

// ---- Django REST framework ----

// drfRatePerSecond mirrors SimpleRateThrottle.parse_rate: requests per
// period, the period named by its first letter; None is no limit.
func drfRatePerSecond(v *settings.Value) (float64, bool) {
	return httpsDecide(v, func(v *settings.Value) (float64, bool) {
		if !v.Known() {
			return 0, false
		}
		if v.Kind == settings.None {
			return math.Inf(1), true
		}
		if v.Kind != settings.Str || !drfRateValid(v.Str) {
			return 0, false
		}
		num, period, _ := strings.Cut(v.Str, "/")
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(num), "_", ""), 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		secs := map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}[period[0]]
		return float64(n) / secs, true
	})
}

func (w *weakener) drf() {
	if app, known := apiInstalledApp(w.h.p, w.h.m, "rest_framework"); app == nil && known {
		return // DRF itself is gone: nothing of REST_FRAMEWORK applies
	}
	readRF := func(s weakSide) (rf *settings.Value, stmt settings.Pos, ok bool) {
		v, pos, set := s.lookup("REST_FRAMEWORK", nil)
		if !set {
			if v != nil {
				return nil, settings.Pos{}, false // unset in an opaque model
			}
			return nil, settings.Pos{}, true
		}
		if !v.Known() || v.Kind != settings.Dict {
			return nil, settings.Pos{}, false
		}
		return v, pos, true
	}
	brf, bstmt, ok1 := readRF(w.b)
	hrf, hstmt, ok2 := readRF(w.h)
	if !ok1 || !ok2 || brf == nil && hrf == nil {
		return
	}
	key := func(rf *settings.Value, stmt settings.Pos, k string, def *settings.Value) (v *settings.Value, pos settings.Pos, present, ok bool) {
		item, present, known := authDictKey(rf, k)
		if !known {
			return nil, settings.Pos{}, false, false
		}
		if !present {
			return def, stmt, false, true
		}
		return item, apiPos(item, stmt), true, true
	}

	// Permissions.
	allowAny := &settings.Value{Kind: settings.List, Items: []*settings.Value{str(drfAllowAny)}}
	open := func(v *settings.Value) (bool, bool) {
		return httpsDecide(v, func(v *settings.Value) (bool, bool) {
			classes, ok := v.Strings()
			if !ok {
				return false, false
			}
			return len(classes) == 0 || apiAllSame(classes, drfAllowAny), true
		})
	}
	bp, bpos, bpresent, ok1 := key(brf, bstmt, "DEFAULT_PERMISSION_CLASSES", allowAny)
	hp, hpos, hpresent, ok2 := key(hrf, hstmt, "DEFAULT_PERMISSION_CLASSES", allowAny)
	if ok1 && ok2 {
		bo, ok1 := open(bp)
		ho, ok2 := open(hp)
		if ok1 && ok2 && !bo && ho {
			w.report(drfSettingPrefix+"DEFAULT_PERMISSION_CLASSES", hpos, bpos, describe(bp, bpresent, plain), describe(hp, hpresent, plain), fmt.Sprintf(
				"REST_FRAMEWORK DEFAULT_PERMISSION_CLASSES went from %s to %s, so every view without its own permission_classes is open to anonymous callers: restore %s and open public views one by one",
				bp.String(), describeAllowAny(hp, hpresent), bp.String()))
		}
	}

	// Throttle classes.
	bc, bcpos, _, ok1 := key(brf, bstmt, "DEFAULT_THROTTLE_CLASSES", emptyList())
	hc, hcpos, _, ok2 := key(hrf, hstmt, "DEFAULT_THROTTLE_CLASSES", emptyList())
	if ok1 && ok2 {
		bl, ok1 := bc.Strings()
		hl, ok2 := hc.Strings()
		if ok1 && ok2 {
			var removed []string
			for _, c := range bl {
				if !slices.Contains(hl, c) && !replacedByClass(hc, c) && !slices.Contains(removed, c) {
					removed = append(removed, c)
				}
			}
			if len(removed) > 0 {
				classes := make([]string, len(removed))
				for i, c := range removed {
					classes[i] = lastSegment(c)
				}
				w.report(drfSettingPrefix+"DEFAULT_THROTTLE_CLASSES", hcpos, bcpos, bc.String(), hc.String(), fmt.Sprintf(
					"REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES no longer has %s, so those requests are no longer rate-limited: put %s back",
					strings.Join(classes, ", "), strings.Join(removed, ", ")))
			}
		}
	}

	// Throttle rates, scope by scope.
	drfDefaultRates := &settings.Value{Kind: settings.Dict, Keys: []*settings.Value{str("user"), str("anon")}, Items: []*settings.Value{none(), none()}}
	br, brpos, _, ok1 := key(brf, bstmt, "DEFAULT_THROTTLE_RATES", drfDefaultRates)
	hr, hrpos, _, ok2 := key(hrf, hstmt, "DEFAULT_THROTTLE_RATES", drfDefaultRates)
	if !ok1 || !ok2 || !br.Known() || br.Kind != settings.Dict || !hr.Known() || hr.Kind != settings.Dict {
		return
	}
	for i, k := range br.Keys {
		if k == nil || k.Kind != settings.Str {
			continue
		}
		scope := k.Str
		if br.Get(scope) != br.Items[i] {
			continue // a later duplicate key wins; judge that one
		}
		bv := br.Items[i]
		bRate, ok := drfRatePerSecond(bv)
		if !ok || math.IsInf(bRate, 1) {
			continue
		}
		setting := drfSettingPrefix + "DEFAULT_THROTTLE_RATES." + scope
		bpos := apiPos(bv, brpos)
		hv := hr.Get(scope)
		if hv == nil {
			if hr.HasUnknownKeys() {
				continue
			}
			w.report(setting, hrpos, bpos, bv.String(), "no rate", fmt.Sprintf(
				"REST_FRAMEWORK DEFAULT_THROTTLE_RATES lost its %q rate (%s), so that scope is no longer limited (or DRF fails where a throttle still uses it): put %q: %s back",
				scope, bv.String(), scope, bv.String()))
			continue
		}
		hRate, ok := drfRatePerSecond(hv)
		if !ok || hRate <= bRate {
			continue
		}
		after := hv.String()
		what := fmt.Sprintf("about %s times as many requests get through", strconv.FormatFloat(math.Round(hRate/bRate*10)/10, 'f', -1, 64))
		if math.IsInf(hRate, 1) {
			after = "None (no limit)"
			what = "that scope is not limited at all"
		}
		w.report(setting, apiPos(hv, hrpos), bpos, describe(bv, true, plain), describe(hv, true, func(*settings.Value) string { return after }), fmt.Sprintf(
			"REST_FRAMEWORK DEFAULT_THROTTLE_RATES[%q] went from %s to %s%s, so %s: keep %s or tighter",
			scope, bv.String(), after, envNote(hv), what, bv.String()))
	}
}

func describeAllowAny(v *settings.Value, present bool) string {
	if !present {
		return "DRF's default AllowAny (the key was removed)"
	}
	return v.String()
}
