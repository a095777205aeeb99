package catalog

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestManagedPolicyFacts(t *testing.T) {
	c := mustEmbedded(t)
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		query        string
		name, arn    string
		path         string
		version      string
		docContains  string
		created      time.Time
		updated      time.Time
		deprecated   bool
		isAttachable bool
	}{
		{
			query: "AdministratorAccess", name: "AdministratorAccess",
			arn: "arn:aws:iam::aws:policy/AdministratorAccess", path: "/", version: "v1",
			docContains: `"Action":"*"`,
			created:     date("2015-02-06T18:39:46Z"), updated: date("2015-02-06T18:39:46Z"),
			isAttachable: true,
		},
		{
			query: "arn:aws:iam::aws:policy/AdministratorAccess", name: "AdministratorAccess",
			arn: "arn:aws:iam::aws:policy/AdministratorAccess", path: "/", version: "v1",
			docContains: `"Resource":"*"`,
			created:     date("2015-02-06T18:39:46Z"), updated: date("2015-02-06T18:39:46Z"),
			isAttachable: true,
		},
		{
			query: "ViewOnlyAccess", name: "ViewOnlyAccess",
			arn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", path: "/job-function/", version: "v45",
			docContains: `"acm:ListCertificates"`,
			created:     date("2016-11-10T17:20:15Z"), isAttachable: true,
		},
		{
			query: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", name: "ViewOnlyAccess",
			arn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", path: "/job-function/", version: "v45",
			created: date("2016-11-10T17:20:15Z"), isAttachable: true,
		},
		{
			query: "viewonlyaccess", name: "ViewOnlyAccess",
			arn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", path: "/job-function/", version: "v45",
			created: date("2016-11-10T17:20:15Z"), isAttachable: true,
		},
		{
			// UpdateDate is lastUpdatedDate, not the version's createdDate.
			query: "AmazonS3ReadOnlyAccess", name: "AmazonS3ReadOnlyAccess",
			arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", path: "/", version: "v3",
			docContains: `"s3-object-lambda:Get*"`,
			created:     date("2015-02-06T18:40:59Z"), updated: date("2023-08-10T21:31:39Z"),
			isAttachable: true,
		},
		{
			query: "AWSOpsWorks_FullAccess", name: "AWSOpsWorks_FullAccess",
			arn: "arn:aws:iam::aws:policy/AWSOpsWorks_FullAccess", path: "/",
			deprecated: true, isAttachable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, ok := c.ManagedPolicy(tt.query)
			if !ok {
				t.Fatal("not found")
			}
			if p.Name != tt.name || p.ARN != tt.arn || p.Path != tt.path {
				t.Errorf("got %s %s %s, want %s %s %s", p.Name, p.ARN, p.Path, tt.name, tt.arn, tt.path)
			}
			if tt.version != "" && p.DefaultVersionID != tt.version {
				t.Errorf("DefaultVersionID = %q, want %q", p.DefaultVersionID, tt.version)
			}
			if !bytes.Contains(p.Document, []byte(tt.docContains)) {
				t.Errorf("Document does not contain %s", tt.docContains)
			}
			if !tt.created.IsZero() && !p.CreateDate.Equal(tt.created) {
				t.Errorf("CreateDate = %v, want %v", p.CreateDate, tt.created)
			}
			if !tt.updated.IsZero() && !p.UpdateDate.Equal(tt.updated) {
				t.Errorf("UpdateDate = %v, want %v", p.UpdateDate, tt.updated)
			}
			if p.Deprecated != tt.deprecated || p.IsAttachable != tt.isAttachable {
				t.Errorf("Deprecated, IsAttachable = %v, %v; want %v, %v", p.Deprecated, p.IsAttachable, tt.deprecated, tt.isAttachable)
			}
		})
	}
}

func TestManagedPolicyUnknownIsNotFound(t *testing.T) {
	c := mustEmbedded(t)
	for _, q := range []string{
		"", "NoSuchPolicy", "job-function/ViewOnlyAccess", "arn:aws:iam::aws:policy/ViewOnlyAccess",
		"arn:aws:iam::123456789012:policy/AdministratorAccess", "AWSConfigRole",
	} {
		if p, ok := c.ManagedPolicy(q); ok {
			t.Errorf("ManagedPolicy(%q) = %s", q, p.ARN)
		}
	}
}

func TestManagedPoliciesAreSortedCompactAndConsistent(t *testing.T) {
	c := mustEmbedded(t)
	ps := c.ManagedPolicies()
	if !slices.IsSortedFunc(ps, func(a, b *ManagedPolicy) int { return strings.Compare(a.ARN, b.ARN) }) {
		t.Error("not sorted by ARN")
	}
	for _, p := range ps {
		var b bytes.Buffer
		if err := json.Compact(&b, p.Document); err != nil {
			t.Errorf("%s: document: %v", p.Name, err)
		} else if !bytes.Equal(b.Bytes(), p.Document) {
			t.Errorf("%s: document is not compact", p.Name)
		}
		if p.ARN != "arn:aws:iam::aws:policy"+p.Path+p.Name {
			t.Errorf("%s: ARN %s does not match path %s", p.Name, p.ARN, p.Path)
		}
		if !p.IsAttachable || p.CreateDate.IsZero() || p.UpdateDate.Before(p.CreateDate) {
			t.Errorf("%s: IsAttachable %v, CreateDate %v, UpdateDate %v", p.Name, p.IsAttachable, p.CreateDate, p.UpdateDate)
		}
		if got, _ := c.ManagedPolicy(p.ARN); got != p {
			t.Errorf("ManagedPolicy(%q) is not the listed policy", p.ARN)
		}
	}
	ps[0] = nil
	if c.ManagedPolicies()[0] == nil {
		t.Error("ManagedPolicies() returned shared slice")
	}
}
