// A small HTTP server exporting Prometheus metrics: simulated request latencies of a few services.
package main

import (
	"flag"
	"log"
	"math/rand"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var version = "dev"

func main() {
	addr := flag.String("listen-address", "127.0.0.1:8080", "the address to serve /metrics on")
	flag.Parse()

	registry := prometheus.NewRegistry()
	latency := prometheus.NewSummaryVec(
		prometheus.SummaryOpts{
			Name:       "rpc_durations_seconds",
			Help:       "Simulated RPC latencies.",
			Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001},
		},
		[]string{"service"},
	)
	requests := prometheus.NewCounterVec(
		prometheus.CounterOpts{Name: "rpc_requests_total", Help: "Simulated RPCs served."},
		[]string{"service"},
	)
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "realworld_build_info",
		Help:        "Always 1; the version is a label.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	registry.MustRegister(latency, requests, info, collectors.NewGoCollector())

	// Observations are generated up front too, so the first scrape already has samples.
	observe := func() {
		for _, service := range []string{"uniform", "normal"} {
			value := rand.Float64() * 0.2
			if service == "normal" {
				value = rand.NormFloat64()*0.01 + 0.1
			}
			latency.WithLabelValues(service).Observe(value)
			requests.WithLabelValues(service).Inc()
		}
	}
	observe()
	go func() {
		for range time.Tick(50 * time.Millisecond) {
			observe()
		}
	}()

	http.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	log.Fatal(http.ListenAndServe(*addr, nil))
}
