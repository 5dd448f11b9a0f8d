// kubectl for the Helm chart's tests: the body of k8s.io/kubernetes/cmd/kubectl (v1.36.3), built from the
// k8s.io/kubectl staging module at the testbed's Kubernetes version by scripts/helm-build.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	logs.GlogSetter(cmd.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
