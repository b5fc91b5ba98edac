package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// RemoteFlag is the command-line option that allows serving metrics on
// an address other machines reach; Listen's refusal names it.
const RemoteFlag = "--metrics-remote"

// Listen opens addr ("HOST:PORT"; an empty host means 127.0.0.1) for
// serving metrics. A trace's maps can name processes, files and users,
// so unless allowRemote, addr must be a loopback address: refusing is
// safer than leaking them to the network by a typo.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics address %q is not HOST:PORT (for example 127.0.0.1:9435)", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if !allowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("metrics address %q is reachable from other machines; use a loopback address such as 127.0.0.1:%s, or pass %s to serve the trace's data to the network",
			addr, port, RemoteFlag)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("cannot serve metrics on %s: %w", addr, errors.Unwrap(err))
	}
	return ln, nil
}

// isLoopback reports whether every address host names is a loopback one.
func isLoopback(host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	if host != "localhost" {
		return false // resolving other names could say anything tomorrow
	}
	return true
}

// Server serves /metrics on a listener.
type Server struct {
	srv  *http.Server
	done chan error
}

// Serve starts serving the sources' metrics at /metrics on ln, until
// Close.
func Serve(ln net.Listener, sources ...Source) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(sources...))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "luatrace: metrics are at /metrics")
	})
	s := &Server{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s
}

// Close stops the server, letting scrapes in progress finish for up to a
// second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
