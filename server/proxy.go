package server

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/internal/smee"
)

// startProxy forwards the deliveries of WEBHOOK_PROXY_URL (a smee.io
// channel, as with Probot) to this server's POST /webhook, once it listens
// on addr. The returned stop ends the forwarding and waits for it; Run
// defers it. Without WEBHOOK_PROXY_URL nothing starts. A bad channel URL
// is refused by config.FromEnv before Run, so a failure here is
// logged and the server runs on without the proxy.
func startProxy(ctx context.Context, cfg config.Config, addr string, logger *slog.Logger) (stop func()) {
	if cfg.WebhookProxyURL == "" {
		return func() {}
	}
	c, err := smee.New(cfg.WebhookProxyURL, "http://"+localAddr(addr)+"/webhook", logger)
	if err != nil {
		logger.Error("webhook proxy not started", slog.String("error", err.Error()))
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := c.Run(ctx); err != nil {
			logger.Error("webhook proxy ended", slog.String("error", err.Error()))
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// localAddr is how this machine reaches a listener on addr: an unspecified
// address (0.0.0.0, ::) is reached on the loopback.
func localAddr(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsUnspecified() {
		return addr
	}
	lo := "127.0.0.1"
	if ap.Addr().Is6() && !ap.Addr().Is4In6() {
		lo = "::1"
	}
	return net.JoinHostPort(lo, strconv.Itoa(int(ap.Port())))
}
