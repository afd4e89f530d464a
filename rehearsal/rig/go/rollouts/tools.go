//go:build tools

// Package tools pins the Argo Rollouts module so that `go build
// github.com/argoproj/argo-rollouts/cmd/rollouts-controller` resolves from this
// module's go.mod/go.sum (see ../../build-rollouts.sh). Nothing here is compiled
// into the binary.
package tools

import (
	_ "github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
)
