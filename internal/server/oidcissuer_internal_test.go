package server

import "testing"

func TestIssuerBaseFromListener(t *testing.T) {
	cases := []struct {
		name, configured, addr string
		tls                    bool
		want                   string
	}{
		{"configured wins", "https://iamd.example.com", "127.0.0.1:4566", false, "https://iamd.example.com"},
		{"listener address", "", "127.0.0.1:4566", false, "http://127.0.0.1:4566"},
		{"TLS listener", "", "127.0.0.1:8443", true, "https://127.0.0.1:8443"},
		{"unspecified IPv4 is loopback", "", "0.0.0.0:4566", false, "http://127.0.0.1:4566"},
		{"unspecified IPv6 is loopback", "", "[::]:4566", false, "http://[::1]:4566"},
		{"host name kept", "", "localhost:4566", false, "http://localhost:4566"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := issuerBase(tc.configured, tc.addr, tc.tls); got != tc.want {
				t.Errorf("issuerBase(%q, %q, %t) = %q, want %q", tc.configured, tc.addr, tc.tls, got, tc.want)
			}
		})
	}
}
