package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terraformMirror returns the local provider mirror: the directory that holds registry.terraform.io, from
// IAMD_TF_PLUGIN_MIRROR or Terraform's standard implied mirror directories.
func terraformMirror() string {
	candidates := []string{os.Getenv("IAMD_TF_PLUGIN_MIRROR")}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".terraform.d", "plugins"))
	}
	candidates = append(candidates, "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins")
	// Machines that ship a mirror elsewhere: look for it near the root of the file system.
	for _, pattern := range []string{"/*/registry.terraform.io", "/*/*/registry.terraform.io"} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			candidates = append(candidates, filepath.Dir(m))
		}
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(filepath.Join(c, "registry.terraform.io", "hashicorp", "aws")); err == nil && st.IsDir() {
			return c
		}
	}
	return ""
}

// TestTerraform applies a realistic IAM configuration with the AWS provider from the local mirror, checks that a
// second plan shows no changes, and destroys it.
func TestTerraform(t *testing.T) { applyTerraform(t, "testdata/terraform/main.tf") }

// TestTerraformOrganizations does the same for an organization: policy types, trusted access, an OU, an SCP and a
// tag policy with their attachments (the provider speaks Organizations' JSON protocol through aws-sdk-go-v2).
func TestTerraformOrganizations(t *testing.T) { applyTerraform(t, "testdata/terraform-org/main.tf") }

// TestTerraformOrganizationAccountClosed applies a member account made by Terraform in an existing organization and
// destroys it with close_on_deletion: CloseAccount, then the provider's wait until the account is SUSPENDED (one
// closure delay on iamd's clock). The closed account stays in the organization, as on AWS.
func TestTerraformOrganizationAccountClosed(t *testing.T) {
	applyTerraform(t, "testdata/terraform-org-account/main.tf", func(s *testServer) {
		s.mustCLI(t, rootCreds, nil, "organizations", "create-organization")
	})
}

// applyTerraform applies a configuration against a fresh server, checks that a second plan shows no changes, and
// destroys it. setup runs against the server before the apply.
func applyTerraform(t *testing.T, config string, setup ...func(*testServer)) {
	tf := needRealClient(t, "terraform")
	mirror := terraformMirror()
	if mirror == "" {
		t.Skip("no local Terraform provider mirror with hashicorp/aws (set IAMD_TF_PLUGIN_MIRROR to the directory that holds registry.terraform.io)")
	}
	s := startServer(t)
	for _, f := range setup {
		f(s)
	}
	dir := t.TempDir()
	src, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/*/*"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"AWS_ACCESS_KEY_ID=" + rootKeyID, "AWS_SECRET_ACCESS_KEY=" + rootSecret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "TF_VAR_endpoint=" + s.URL,
	}
	run := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("terraform %s: %v", args[0], err)
		}
		return string(out), code
	}
	if out, code := run("init", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("init: %s", out)
	}
	if out, code := run("apply", "-auto-approve", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("apply: %s\n--- server log ---\n%s", out, tail(s.logs.String(), 60))
	}
	if out, code := run("plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("second plan is not empty (exit %d): %s", code, out)
	}
	if out, code := run("destroy", "-auto-approve", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("destroy: %s\n--- server log ---\n%s", out, tail(s.logs.String(), 60))
	}
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
