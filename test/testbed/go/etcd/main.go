// Command etcd is the etcd server built from go.etcd.io/etcd/server/v3 (the same entry point as
// the upstream etcd binary), for the Berth testbed. Built by scripts/testbed-build.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
