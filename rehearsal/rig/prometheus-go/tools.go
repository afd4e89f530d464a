//go:build tools

// Package tools pins the Prometheus server module so that `go build
// github.com/prometheus/prometheus/cmd/prometheus` resolves from this
// module's go.mod/go.sum. Nothing here is compiled into the binary.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
)
