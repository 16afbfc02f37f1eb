// Package server wires djsec's GitHub App: configuration → database →
// GitHub clients → job processors and queue → HTTP handlers, and the drain
// on shutdown. cmd/bot's serve parses flags and calls Run; the tests start
// the same server through servertest.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/djsec/djsec/checks/advisories"
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
	"github.com/djsec/djsec/osv"
	"github.com/djsec/djsec/registration"
	"github.com/djsec/djsec/store"
)

// ErrNoSecret is why the server refuses to start without a webhook secret.
var ErrNoSecret = errors.New("no webhook secret: set " + config.EnvWebhookSecret +
	" (the secret the App's webhook is configured with), or start with --insecure-dev to accept unsigned deliveries on a development machine")

// Options are the server's knobs beyond the environment (config.Config);
// tests set the listener, the registry and the processors.
type Options struct {
	Migrate     bool
	InsecureDev bool
	Logger      *slog.Logger
	// Listener to serve on instead of HOST:PORT.
	Listener net.Listener
	// Registry for the metrics (default metrics.Registry).
	Registry *prometheus.Registry
	// Register runs after the server has registered its processors: a test
	// registers a kind again to replace it (jobs.Register).
	Register func(*jobs.Registry)
	// Version is the build's version, in logs and check runs ("devel"
	// when empty).
	Version string
	// Queue options for tests (poll interval, retry policy); Workers,
	// Processors, Metrics and Logger are filled in by serve.
	Queue jobs.Options
	// Ready, when set, receives the listen address once the server accepts
	// connections.
	Ready chan<- string
	// Tune adjusts what Run builds, for tests (servertest); production
	// passes none.
	Tune Tune
}

// Tune holds a test's adjustments to the options Run builds its parts
// with: each hook runs on the options just before they are used, so a test
// changes one knob (a clock, a size limit, a retry sleep) and keeps the
// rest of the production wiring.
type Tune struct {
	// OSVURL replaces OSV_API_URL: osv.Off keeps a test off the network,
	// a fake's URL feeds it advisories.
	OSVURL     string
	GitHub     func(*githubapp.Config)
	Checkrun   func(*checkrun.Options)
	Commandrun func(*commandrun.Options)
	Fixup      func(*fixup.Options)
	Auditrun   func(*auditrun.Options)
	// NoRedeliver turns the redelivery sweep off whatever
	// DJSEC_REDELIVER_INTERVAL says: its first sweep, at start, is a GitHub
	// call no delivery caused, which a test counting calls would see.
	NoRedeliver bool
	// NoPrune leaves out the periodic prune, which runs at start: it
	// deletes rows by the real clock, so a test whose clock is in the past
	// (the command rate limit's uses) would lose them mid-test.
	NoPrune bool
}

// tune runs hook on o when the test set one.
func tune[T any](hook func(*T), o *T) *T {
	if hook != nil {
		hook(o)
	}
	return o
}

// Run runs the App server until ctx is cancelled (SIGTERM, SIGINT), then
// drains: it stops accepting and lets in-flight deliveries commit, lets
// running jobs finish within cfg.ShutdownTimeout (cancelling and handing
// back the rest) and closes the database. A clean drain returns nil.
func Run(ctx context.Context, cfg config.Config, o Options) error {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	version := cmp.Or(o.Version, "devel")
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
		return ErrNoSecret
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
	clients, err := githubapp.NewClientCreator(*tune(o.Tune.GitHub, &githubapp.Config{
		BaseURL:    cfg.GitHubAPIURL,
		AppID:      appID.Load(),
		PrivateKey: privateKey,
		Registerer: reg,
		Logger:     logger,
		ETags:      db.ETags(),
		Writes:     githubapp.WritePolicy{PerMinute: writes.PerMinute, PerHour: writes.PerHour, Minute: writes.Minute},
	}))
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
	// Live advisory data: api.osv.dev unless OSV_API_URL names a mirror
	// or says off; its failures degrade to the bundled data.
	live, err := osv.FromValue(cmp.Or(o.Tune.OSVURL, os.Getenv(osv.EnvURL)), osv.WithLogger(logger))
	if err != nil {
		return err
	}
	logger.Info("advisory data", slog.String("bundled", advisories.SnapshotDate()), slog.String("live", cmp.Or(live.URL(), "off")))
	// Fix-up pull requests: the check run's "fix" button, /djsec fix and,
	// after each push's check, fix_prs: auto.
	fixer, err := fixup.New(*tune(o.Tune.Fixup, &fixup.Options{Clients: clients, DB: db, Engine: fixup.Fixes}))
	if err != nil {
		return err
	}
	// The pull request check: pull_request pushes, re-runs and the check
	// run's buttons.
	checker, err := checkrun.New(*tune(o.Tune.Checkrun, &checkrun.Options{
		Fixer:        fixer,
		AfterCheck:   fixer.AfterReview,
		Clients:      clients,
		DB:           db,
		WebURL:       checkrun.WebURL(cfg.GitHubAPIURL),
		RulesVersion: checkrun.RulesVersion(version),
		Registerer:   reg,
		Lease:        rescueAfter,
		Ignores: func(ctx context.Context, repoID int64, pr int) ([]review.Ignore, error) {
			return commandrun.ReviewIgnores(ctx, db, repoID, pr)
		},
		Advisories: live,
	}))
	if err != nil {
		return err
	}
	// The weekly audit issue: AUDIT_SCHEDULE's sweep, first audits of
	// installed repositories, /djsec audit.
	auditor, err := auditrun.New(*tune(o.Tune.Auditrun, &auditrun.Options{Clients: clients, DB: db, WebURL: checkrun.WebURL(cfg.GitHubAPIURL),
		RulesVersion: checkrun.RulesVersion(version), Advisories: live}))
	if err != nil {
		return err
	}
	auditSchedule, err := auditrun.ParseCron(os.Getenv(auditrun.EnvSchedule))
	if err != nil {
		return err
	}
	// The /djsec commands in issue and pull request comments.
	commander, err := commandrun.New(*tune(o.Tune.Commandrun, &commandrun.Options{Clients: clients, DB: db, Rechecker: checker,
		Fixer: commandFixer{fixer}, Auditor: commandAuditor{auditor}}))
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
	qo.Workers, qo.Metrics, qo.Logger = cfg.Workers, m, logger
	// A fix-up reads a tree, proves every edit and makes a commit: it
	// gets longer than the comment or button job that asked for it.
	qo.KindTimeouts = map[string]time.Duration{jobs.KindFixup: jobs.FixupTimeout(jobTimeout, rescueAfter)}
	qo.Periodic = append(qo.Periodic, auditor.Periodic(auditSchedule))
	if !o.Tune.NoPrune {
		qo.Periodic = append(qo.Periodic, jobs.PrunePeriodic())
	}
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
	// Each feature registers its kinds; bookkeeping rows (deliveries, PR
	// heads, check-run records, ETags) are pruned, or they would grow for
	// ever; a test's registrations come last and replace the server's.
	registers := []func(*jobs.Registry){checker.Register, commander.Register, auditor.Register, fixer.Register, sweeper.Register,
		func(r *jobs.Registry) {
			jobs.Register[jobs.PruneArgs](r, jobs.Pruner{DB: db, Retention: jobs.DefaultRetention})
		}}
	if o.Register != nil {
		registers = append(registers, o.Register)
	}
	qo.Processors = jobs.Registered(registers...)
	if redeliverEvery > 0 && !o.Tune.NoRedeliver {
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
	// WEBHOOK_PROXY_URL: a laptop's deliveries come through a smee.io channel.
	defer startProxy(ctx, cfg, ln.Addr().String(), logger)()
	logger.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("webhook", "POST /webhook"), slog.String("version", version))
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
