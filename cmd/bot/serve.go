//go:build !noserver

package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/handlers"
	"github.com/djsec/djsec/jobs"
	"github.com/djsec/djsec/jobs/auditrun"
	"github.com/djsec/djsec/jobs/checkrun"
	"github.com/djsec/djsec/jobs/checkrun/review"
	"github.com/djsec/djsec/jobs/commandrun"
	"github.com/djsec/djsec/jobs/fixup"
	"github.com/djsec/djsec/jobs/redeliver"
	"github.com/djsec/djsec/metrics"
	"github.com/djsec/djsec/registration"
	"github.com/djsec/djsec/store"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the GitHub App: webhooks on POST /webhook, jobs, health and metrics",
		run:     runServe,
	})
}

// errNoSecret is why serve refuses to start without a webhook secret.
var errNoSecret = errors.New("no webhook secret: set " + config.EnvWebhookSecret +
	" (the secret the App's webhook is configured with), or start with --insecure-dev to accept unsigned deliveries on a development machine")

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrate := fs.Bool("migrate", true, "run the database migrations before serving")
	insecure := fs.Bool("insecure-dev", false, "start without a webhook secret and accept unsigned deliveries (development only; logged at every start)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: bot serve [--migrate=false] [--insecure-dev]")
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Runs djsec's GitHub App server. Configuration comes from the environment")
		fmt.Fprintln(fs.Output(), "(APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GITHUB_API_URL or GHE_HOST,")
		fmt.Fprintln(fs.Output(), "WEBHOOK_PROXY_URL, DATABASE_URL, HOST, PORT, LOG_LEVEL, DJSEC_WORKERS,")
		fmt.Fprintln(fs.Output(), "DJSEC_SHUTDOWN_TIMEOUT, DJSEC_JOB_TIMEOUT); see the README's \"Running the app\". With no App")
		fmt.Fprintln(fs.Output(), "registered yet, / serves the registration page. Logs are JSON lines on stdout.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) > 0 {
		return fail(stderr, "serve takes no arguments, got %q", rest)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return fail(stderr, "serve: configuration:\n%v", err)
	}
	logger := newLogger(stdout, cfg.LogLevel)

	ctx, stop := signalContext()
	defer stop()
	err = serve(ctx, cfg, serveOptions{Migrate: *migrate, InsecureDev: *insecure, Logger: logger})
	if err != nil {
		logger.Error("serve stopped", slog.String("error", err.Error()))
		return exitFindings // 1: the server failed
	}
	return exitOK
}

// signalContext is cancelled by SIGTERM (Fly, Kubernetes, systemd) or
// SIGINT (Ctrl-C): the start of the drain.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
}

// newLogger writes JSON lines at level and above.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// serveOptions are serve's knobs beyond the environment; tests set the
// listener, the registry and the processors.
type serveOptions struct {
	Migrate     bool
	InsecureDev bool
	Logger      *slog.Logger
	// Listener to serve on instead of HOST:PORT.
	Listener net.Listener
	// Registry for the metrics (default metrics.Registry).
	Registry *prometheus.Registry
	// Processors override, kind by kind, the jobs' processors (the check
	// run for pull requests, re-runs and buttons; logging for the rest).
	Processors jobs.Processors
	// Queue options for tests (poll interval, retry policy); Workers,
	// Processors, Metrics and Logger are filled in by serve.
	Queue jobs.Options
	// Ready, when set, receives the listen address once the server accepts
	// connections.
	Ready chan<- string
}

// serve runs the App server until ctx is cancelled (SIGTERM, SIGINT), then
// drains: it stops accepting and lets in-flight deliveries commit, lets
// running jobs finish within cfg.ShutdownTimeout (cancelling and handing
// back the rest) and closes the database. A clean drain returns nil.
func serve(ctx context.Context, cfg config.Config, o serveOptions) error {
	logger := o.Logger
	if logger == nil {
		logger = newLogger(io.Discard, slog.LevelInfo)
	}
	reg := o.Registry
	if reg == nil {
		reg = metrics.Registry()
	}

	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	logger.Info("database open", slog.String("database", db.String()))
	if o.Migrate {
		res, err := db.Migrate(ctx, logger)
		if err != nil {
			return err
		}
		logger.Info("migrations applied", slog.Any("river", res.River), slog.Any("djsec", res.Djsec))
	}

	// setupToken guards the registration page (registering only).
	var setupToken string
	// The App's identity: the environment first, else what registration
	// stored in the database.
	var appID atomic.Int64
	appID.Store(cfg.AppID)
	secrets := cfg.WebhookSecrets
	privateKey := cfg.PrivateKey.Bytes()
	creds := db.Credentials()
	if stored, err := creds.Load(ctx); err == nil {
		if cfg.AppID == 0 {
			appID.Store(stored.AppID)
			if len(privateKey) == 0 {
				privateKey = stored.PEM
			}
		}
		if len(secrets) == 0 {
			secrets = []config.Secret{config.Secret(stored.WebhookSecret)}
		}
		logger.Info("app credentials loaded from the database", slog.Int64("app_id", stored.AppID), slog.String("slug", stored.Slug))
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// Not registered at all: "/" serves the registration page, and
	// deliveries are refused (401) until it has given the server a secret.
	registering := appID.Load() == 0 && len(secrets) == 0
	switch {
	case len(secrets) > 0:
		if o.InsecureDev {
			logger.Warn("--insecure-dev given, but a webhook secret is set: signatures are verified as usual")
		}
	case o.InsecureDev:
		logger.Warn("INSECURE: --insecure-dev and no webhook secret: deliveries are accepted WITHOUT signature verification; never run this way where GitHub or anyone else can reach the server")
	case registering:
		// The link is the operator's proof: printed here and nowhere
		// else, so a stranger who finds the fresh deployment first
		// cannot register their own app into it.
		var err error
		if setupToken, err = newSetupToken(); err != nil {
			return err
		}
		logger.Warn("the GitHub App is not registered: open the registration page with this one-time link to register it; webhooks are refused until then",
			slog.String("registration_page", fmt.Sprintf("http://%s/?token=%s", net.JoinHostPort(displayHost(cfg.Host), strconv.Itoa(cfg.Port)), setupToken)))
	default:
		return errNoSecret
	}
	if appID.Load() == 0 && !registering {
		logger.Warn("APP_ID is not set: check_run and check_suite events are ignored until it is")
	}
	logger.Info("configuration", slog.Any("config", cfg))

	// The GitHub client factory: the jobs' processors take their
	// installation clients from it; registration exchanges its code through
	// it. Its API metrics go to the same registry.
	writes, err := config.WritePacingFromEnv()
	if err != nil {
		return err
	}
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		BaseURL:    cfg.GitHubAPIURL,
		AppID:      appID.Load(),
		PrivateKey: privateKey,
		Registerer: reg,
		Logger:     logger,
		ETags:      db.ETags(),
		Writes:     githubapp.WritePolicy{PerMinute: writes.PerMinute, PerHour: writes.PerHour, Minute: writes.Minute},
	})
	if err != nil {
		return err
	}
	// A job's deadline (DJSEC_JOB_TIMEOUT, unless a test set the queue's),
	// and when a job a dead process left running goes to another: a
	// commit's check-run lease lasts as long, so that job can take it over.
	jobTimeout, rescueAfter := o.Queue.JobTimeout, o.Queue.RescueAfter
	if jobTimeout == 0 {
		jobTimeout = cmp.Or(cfg.JobTimeout, jobs.DefaultJobTimeout)
	}
	if rescueAfter == 0 {
		rescueAfter = jobs.RescueAfter(jobTimeout)
	}
	// Fix-up pull requests: the check run's "fix" button, /djsec fix and,
	// after each push's check, fix_prs: auto.
	fixer, err := fixup.New(fixup.Options{Clients: clients, DB: db, Engine: fixup.Fixes})
	if err != nil {
		return err
	}
	// The pull request check: pull_request pushes, re-runs and the check
	// run's buttons.
	checker, err := checkrun.New(checkrun.Options{
		Fixer:        fixer,
		AfterCheck:   fixer.AfterReview,
		Clients:      clients,
		DB:           db,
		WebURL:       checkrun.WebURL(cfg.GitHubAPIURL),
		RulesVersion: checkrun.RulesVersion(toolVersion("devel")),
		Registerer:   reg,
		Lease:        rescueAfter,
		Ignores: func(ctx context.Context, repoID int64, pr int) ([]review.Ignore, error) {
			return commandrun.ReviewIgnores(ctx, db, repoID, pr)
		},
	})
	if err != nil {
		return err
	}
	// The weekly audit issue: AUDIT_SCHEDULE's sweep, first audits of
	// installed repositories, /djsec audit.
	auditor, err := auditrun.New(auditrun.Options{Clients: clients, DB: db, WebURL: checkrun.WebURL(cfg.GitHubAPIURL),
		RulesVersion: checkrun.RulesVersion(toolVersion("devel"))})
	if err != nil {
		return err
	}
	auditSchedule, err := auditrun.ParseCron(os.Getenv(auditrun.EnvSchedule))
	if err != nil {
		return err
	}
	// The /djsec commands in issue and pull request comments.
	commander, err := commandrun.New(commandrun.Options{Clients: clients, DB: db, Rechecker: checker,
		Fixer: commandFixer{fixer}, Auditor: commandAuditor{auditor}})
	if err != nil {
		return err
	}

	m := metrics.New(reg)
	qo := o.Queue
	qo.JobTimeout, qo.RescueAfter = jobTimeout, rescueAfter
	// A rate limit too long for the client to wait out retries the job no
	// sooner than GitHub asked.
	qo.RetryAfter = githubapp.RetryAfter
	// GitHub's permanent answers end a job at once, whatever its kind.
	qo.Permanent = githubapp.IsPermanent
	qo.Workers, qo.Processors, qo.Metrics, qo.Logger = cfg.Workers, overrideProcessors(commander.Processors(checker.Processors(jobs.Processors{})), o.Processors), m, logger
	qo.Processors = overrideProcessors(auditor.Processors(qo.Processors), o.Processors)
	qo.Processors = overrideProcessors(fixer.Processors(qo.Processors), o.Processors)
	// A fix-up reads a tree, proves every edit and makes a commit: it
	// gets longer than the comment or button job that asked for it.
	qo.KindTimeouts = map[string]time.Duration{jobs.KindFixup: jobs.FixupTimeout(jobTimeout, rescueAfter)}
	qo.Periodic = append(qo.Periodic, auditor.Periodic(auditSchedule))
	// Bookkeeping rows (deliveries, PR heads, check-run records, ETags)
	// would otherwise grow for ever.
	if qo.Processors.Prune == nil {
		qo.Processors.Prune = jobs.Pruner{DB: db, Retention: jobs.DefaultRetention}
	}
	qo.Periodic = append(qo.Periodic, jobs.PrunePeriodic())
	// Webhooks GitHub could not deliver (the server down, the database
	// failing) are asked for again: at start, then every interval.
	redeliverEvery, err := redeliver.ParseInterval(os.Getenv(redeliver.EnvInterval))
	if err != nil {
		return err
	}
	sweeper, err := redeliver.New(redeliver.Options{Clients: clients, DB: db, Registerer: reg})
	if err != nil {
		return err
	}
	qo.Processors = overrideProcessors(sweeper.Processors(qo.Processors), o.Processors)
	if redeliverEvery > 0 {
		qo.Periodic = append(qo.Periodic, redeliver.Periodic(redeliverEvery))
	}
	queue, err := jobs.NewQueue(db, qo)
	if err != nil {
		return err
	}
	auditor.UseQueue(queue)
	fixer.UseQueue(queue)
	metrics.RegisterQueueDepth(reg, queue.Depth)
	// Not ctx: cancelling River's start context cancels running jobs at
	// once. The drain below stops it in order.
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	queueStopped := false
	stopQueue := func() error {
		if queueStopped {
			return nil
		}
		queueStopped = true
		return queue.Stop(context.Background(), cfg.ShutdownTimeout)
	}
	defer stopQueue()

	verifier := handlers.NewVerifier(secrets, o.InsecureDev)
	router := handlers.New(handlers.Options{
		Verifier: verifier,
		Queue:    queue,
		Ready:    queue,
		Metrics:  m,
		Gatherer: reg,
		Logger:   logger,
		AppID:    appID.Load,
		// The metrics name installations and repositories.
		MetricsToken: cfg.MetricsToken.Reveal(),
	})
	// The registration pages exist only while there is no App: once
	// APP_ID is known (environment or database), nobody can register
	// another one over it from a browser.
	// With WEBHOOK_SECRET set the operator runs an app they registered
	// themselves: the page would let a registration replace that secret.
	if appID.Load() == 0 && len(cfg.WebhookSecrets) > 0 {
		logger.Warn("WEBHOOK_SECRET is set but APP_ID is not: the registration page is off so the secret is never replaced; set APP_ID and PRIVATE_KEY of your app")
	}
	if appID.Load() == 0 && len(cfg.WebhookSecrets) == 0 {
		registration.New(registration.Options{
			SetupToken:      setupToken,
			TrustedProxies:  cfg.TrustedProxies,
			Clients:         clients,
			Store:           credentialStore{creds},
			WebhookProxyURL: cfg.WebhookProxyURL,
			Logger:          logger,
			OnRegistered: func(c registration.AppCredentials) {
				verifier.SetSecrets([]config.Secret{config.Secret(c.WebhookSecret)})
				appID.Store(c.ID)
				logger.Info("registered: webhooks are verified with the new app's secret", slog.Int64("app_id", c.ID), slog.String("slug", c.Slug))
			},
		}).Mount(router)
	}

	srv := &http.Server{
		Handler:           router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // a 25 MiB body on a slow link
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln := o.Listener
	if ln == nil {
		addr := listenAddr(cfg, o.InsecureDev && len(secrets) == 0)
		if addr != cfg.Addr() {
			logger.Warn("--insecure-dev: listening on 127.0.0.1 only", slog.String("addr", addr))
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("webhook", "POST /webhook"), slog.String("version", toolVersion("devel")))
	// WEBHOOK_PROXY_URL: a laptop's deliveries come through a smee.io channel.
	defer startProxy(ctx, cfg, ln.Addr().String(), logger)()
	if o.Ready != nil {
		o.Ready <- ln.Addr().String()
	}

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}

	logger.Info("shutting down: no new deliveries; running jobs get the grace period",
		slog.Duration("grace", cfg.ShutdownTimeout))
	start := time.Now()
	httpCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(httpCtx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if err := stopQueue(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.Info("stopped", slog.Duration("took", time.Since(start)))
	return nil
}

// overrideProcessors returns base with the kinds over sets replaced.
func overrideProcessors(base, over jobs.Processors) jobs.Processors {
	if over.PullRequest != nil {
		base.PullRequest = over.PullRequest
	}
	if over.Comment != nil {
		base.Comment = over.Comment
	}
	if over.Issue != nil {
		base.Issue = over.Issue
	}
	if over.CheckRerun != nil {
		base.CheckRerun = over.CheckRerun
	}
	if over.CheckAction != nil {
		base.CheckAction = over.CheckAction
	}
	if over.Push != nil {
		base.Push = over.Push
	}
	if over.Installation != nil {
		base.Installation = over.Installation
	}
	if over.Audit != nil {
		base.Audit = over.Audit
	}
	if over.AuditSweep != nil {
		base.AuditSweep = over.AuditSweep
	}
	if over.Prune != nil {
		base.Prune = over.Prune
	}
	if over.Fixup != nil {
		base.Fixup = over.Fixup
	}
	if over.Redeliver != nil {
		base.Redeliver = over.Redeliver
	}
	if over.MergeGroup != nil {
		base.MergeGroup = over.MergeGroup
	}
	return base
}

// The database's ETag table is the GitHub client's conditional-request cache.
var _ githubapp.ETagStore = (*store.ETags)(nil)

// credentialStore keeps registration's credentials in the database's
// app_credentials table.
type credentialStore struct{ c *store.Credentials }

var _ registration.CredentialStore = credentialStore{}

func (s credentialStore) SaveAppCredentials(ctx context.Context, c registration.AppCredentials) error {
	return s.c.Save(ctx, store.AppCredentials{
		AppID: c.ID, Slug: c.Slug, HTMLURL: c.HTMLURL, PEM: []byte(c.PEM),
		WebhookSecret: []byte(c.WebhookSecret), ClientID: c.ClientID, ClientSecret: []byte(c.ClientSecret),
	})
}

func (s credentialStore) LoadAppCredentials(ctx context.Context) (*registration.AppCredentials, error) {
	c, err := s.c.Load(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &registration.AppCredentials{
		ID: c.AppID, Slug: c.Slug, HTMLURL: c.HTMLURL, PEM: string(c.PEM),
		WebhookSecret: string(c.WebhookSecret), ClientID: c.ClientID, ClientSecret: string(c.ClientSecret),
	}, nil
}

// commandFixer runs `/djsec fix [RULE...]` through the fix-up pull
// requests: on a pull request a fix-up into its head branch, on an issue
// (such as the audit issue) one into the default branch. The work is a
// fix-up job of its own (QueueFix); Fix, the same work done at once, is
// what a server without a queue would run.
type commandFixer struct{ f *fixup.Fixup }

func (c commandFixer) Fix(ctx context.Context, r commandrun.Request) (string, error) {
	if !r.IsPullRequest {
		return c.f.RequestDefaultBranchFix(ctx, r.Origin.Installation, r.Origin.Repo, r.Origin.RepoID, r.Number, r.Rules)
	}
	if err := c.f.RequestFixRules(ctx, r.Origin.Installation, r.Origin.Repo, r.Origin.RepoID, r.Number, r.Rules); err != nil {
		return "", err
	}
	return "Done: djsec's comment on this pull request links the fix-up pull request, or says which findings need a person.", nil
}

func (c commandFixer) QueueFix(_ context.Context, r commandrun.Request) (string, func(context.Context, int64) error, error) {
	start := func(ctx context.Context, reply int64) error {
		return c.f.QueueCommand(ctx, jobs.FixupArgs{Origin: r.Origin, Number: r.Number, PullRequest: r.IsPullRequest,
			Rules: r.Rules, Reply: reply, Sender: r.Sender})
	}
	return fixup.Pending(r.IsPullRequest), start, nil
}

// commandAuditor runs `/djsec audit`: it queues a forced audit of the
// repository, which updates (or creates) the audit issue.
type commandAuditor struct{ a auditrun.Auditor }

func (c commandAuditor) Audit(ctx context.Context, r commandrun.Request) (string, error) {
	if err := c.a.AuditNow(ctx, r.Origin.Installation, r.Origin.RepoID, r.Origin.Repo); err != nil {
		return "", err
	}
	return "The audit of the default branch is queued: the issue \"djsec: Django security audit\" is updated within a few minutes.", nil
}

// newSetupToken is the registration page's one-time token: DJSEC_SETUP_TOKEN
// when the operator chose one (a platform whose logs they cannot read at
// start), else 128 random bits.
func newSetupToken() (string, error) {
	if t := strings.TrimSpace(os.Getenv("DJSEC_SETUP_TOKEN")); t != "" {
		if len(t) < 16 {
			return "", errors.New("DJSEC_SETUP_TOKEN is shorter than 16 characters; use a long random value")
		}
		return t, nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("setup token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// displayHost is where a person on this machine reaches a server
// listening on host ("" and 0.0.0.0 listen everywhere).
func displayHost(host string) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		return "localhost"
	}
	return host
}

// listenAddr is where serve listens: HOST:PORT, but only the loopback
// address when deliveries are taken unsigned (--insecure-dev without a
// secret), so nobody else can send them.
func listenAddr(cfg config.Config, unsigned bool) string {
	if unsigned {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))
	}
	return cfg.Addr()
}
