package main

import (
	"io"
	"strings"
	"testing"
)

// TestParseConfig: flags win over their environment twins, which win over the defaults; the credentials come
// only from the environment and are required.
func TestParseConfig(t *testing.T) {
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    settings
		wantErr string
	}{
		{name: "defaults", want: settings{Listen: "127.0.0.1:8080", Endpoint: "http://127.0.0.1:4566", Region: "us-east-1", Account: "123456789012"}},
		{name: "environment", env: map[string]string{"NOTES_LISTEN": ":9000", "IAMD_ENDPOINT": "http://iamd:4566", "AWS_REGION": "eu-west-1", "NOTES_ACCOUNT_ID": "111122223333"},
			want: settings{Listen: ":9000", Endpoint: "http://iamd:4566", Region: "eu-west-1", Account: "111122223333"}},
		{name: "flags-over-environment", args: []string{"--region", "ap-south-1", "--listen", "127.0.0.1:0"}, env: map[string]string{"NOTES_REGION": "eu-west-1"},
			want: settings{Listen: "127.0.0.1:0", Endpoint: "http://127.0.0.1:4566", Region: "ap-south-1", Account: "123456789012"}},
		{name: "no-credentials", env: map[string]string{"AWS_ACCESS_KEY_ID": ""}, wantErr: "AWS_ACCESS_KEY_ID"},
		{name: "stray-argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if v, ok := tt.env[k]; ok {
					return v
				}
				return creds[k]
			}
			got, err := parseConfig(tt.args, getenv, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Credentials.AccessKeyID != "AKIDEXAMPLE" || got.Credentials.SecretAccessKey != "secret" {
				t.Fatalf("credentials %v", got.Credentials)
			}
			got.Credentials = tt.want.Credentials
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
