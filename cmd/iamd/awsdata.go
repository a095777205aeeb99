package main

import (
	"flag"
	"fmt"

	"github.com/iamd-dev/iamd/catalog"
)

// awsDataFlag registers --aws-data on fs; its default is the IAMD_AWS_DATA environment variable.
func awsDataFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("aws-data", getenv(envAWSData),
		"read the AWS authorization data from `DIR` instead of the built-in copy (env "+envAWSData+")")
}

// loadCatalog loads the AWS data from dir, or the built-in copy when dir is empty. It returns the catalog and
// where it came from, for messages.
func loadCatalog(dir string) (*catalog.Catalog, string, error) {
	if dir == "" {
		c, err := catalog.Embedded()
		return c, "built in", err
	}
	c, err := catalog.LoadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("loading AWS data from %s: %w", dir, err)
	}
	return c, "from " + dir, nil
}
