package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/coreos/go-oidc/v3/oidc"
)

// TestWebIdentityTokenVerifiedByOIDCLibrary has an independent OpenID Connect library (coreos/go-oidc) verify
// tokens iamd issues as any external service would: from the issuer URL alone, through the discovery document
// and the JWKS that iamd serves on its loopback listener, checking issuer, audience, signature and expiry.
func TestWebIdentityTokenVerifiedByOIDCLibrary(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	cfg := s.sdkConfig(rootCreds)
	iamClient, stsClient := awsiam.NewFromConfig(cfg), awssts.NewFromConfig(cfg)
	issuer := s.URL + "/iamd/v1/oidc/" + account

	// Before the account enables the feature there is no issuer, and no token.
	if code, _ := s.get(t, "/iamd/v1/oidc/"+account+"/.well-known/openid-configuration"); code != http.StatusNotFound {
		t.Fatalf("discovery before enabling: %d, want 404", code)
	}
	_, err := stsClient.GetWebIdentityToken(ctx, &awssts.GetWebIdentityTokenInput{Audience: []string{"x"}, SigningAlgorithm: aws.String("RS256")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "OutboundWebIdentityFederationDisabledException" {
		t.Fatalf("token before enabling: %v", err)
	}

	en, err := iamClient.EnableOutboundWebIdentityFederation(ctx, &awsiam.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(en.IssuerIdentifier); got != issuer {
		t.Fatalf("IssuerIdentifier = %s, want %s", got, issuer)
	}
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	const audience = "https://api.example.com"
	for _, alg := range []string{oidc.RS256, oidc.ES384} {
		t.Run(alg, func(t *testing.T) {
			before := s.srv.Clock.Now().Truncate(time.Second)
			out, err := stsClient.GetWebIdentityToken(ctx, &awssts.GetWebIdentityTokenInput{Audience: []string{audience},
				SigningAlgorithm: aws.String(alg), DurationSeconds: aws.Int32(120)})
			if err != nil {
				t.Fatal(err)
			}
			raw := aws.ToString(out.WebIdentityToken)
			if strings.Contains(s.logs.String(), raw[strings.LastIndex(raw, ".")+1:]) {
				t.Error("the token is in the server's log")
			}
			if d := aws.ToTime(out.Expiration).Sub(before); d < 120*time.Second || d > 125*time.Second {
				t.Errorf("Expiration %s is %s after the request", aws.ToTime(out.Expiration), d)
			}
			verify := func(now func() time.Time, clientID string) (*oidc.IDToken, error) {
				return provider.Verifier(&oidc.Config{ClientID: clientID, SupportedSigningAlgs: []string{alg}, Now: now}).Verify(ctx, raw)
			}
			tok, err := verify(s.srv.Clock.Now, audience)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if tok.Issuer != issuer || tok.Subject != "arn:aws:iam::"+account+":root" || !tok.Expiry.Equal(aws.ToTime(out.Expiration)) {
				t.Errorf("token iss=%s sub=%s exp=%s", tok.Issuer, tok.Subject, tok.Expiry)
			}
			var claims struct {
				AWS struct {
					Account string `json:"aws_account"`
				} `json:"https://sts.amazonaws.com/"`
			}
			if err := tok.Claims(&claims); err != nil || claims.AWS.Account != account {
				t.Errorf("aws_account = %q (%v)", claims.AWS.Account, err)
			}
			if _, err := verify(s.srv.Clock.Now, "https://other.example.com"); err == nil {
				t.Error("a token for another audience was accepted")
			}
			var expired *oidc.TokenExpiredError
			later := func() time.Time { return s.srv.Clock.Now().Add(121 * time.Second) }
			if _, err := verify(later, audience); !errors.As(err, &expired) {
				t.Errorf("verify after expiry: %v, want TokenExpiredError", err)
			}
		})
	}

	// The token's times follow iamd's clock: after an advance it is issued, and expires, on the new time.
	s.advance(t, "49h")
	out, err := stsClient.GetWebIdentityToken(ctx, &awssts.GetWebIdentityTokenInput{Audience: []string{audience}, SigningAlgorithm: aws.String("ES384")})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(aws.ToTime(out.Expiration)); d < 49*time.Hour || d > 49*time.Hour+6*time.Minute {
		t.Errorf("after a 49h advance the token expires in %s", d)
	}
	v := provider.Verifier(&oidc.Config{ClientID: audience, SupportedSigningAlgs: []string{oidc.ES384}, Now: s.srv.Clock.Now})
	if _, err := v.Verify(ctx, aws.ToString(out.WebIdentityToken)); err != nil {
		t.Errorf("verify on iamd's clock: %v", err)
	}
	s.advance(t, "6m")
	var expired *oidc.TokenExpiredError
	if _, err := v.Verify(ctx, aws.ToString(out.WebIdentityToken)); !errors.As(err, &expired) {
		t.Errorf("verify once iamd's clock passed the expiry: %v, want TokenExpiredError", err)
	}

	// Disabling refuses new tokens but keeps the keys published for those already issued.
	if _, err := iamClient.DisableOutboundWebIdentityFederation(ctx, &awsiam.DisableOutboundWebIdentityFederationInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = stsClient.GetWebIdentityToken(ctx, &awssts.GetWebIdentityTokenInput{Audience: []string{"x"}, SigningAlgorithm: aws.String("RS256")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "OutboundWebIdentityFederationDisabledException" {
		t.Fatalf("token after disabling: %v", err)
	}
	code, body := s.get(t, "/iamd/v1/oidc/"+account+"/.well-known/jwks.json")
	var jwks struct {
		Keys []struct {
			Kty, Alg, Kid, D string
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &jwks); code != http.StatusOK || err != nil || len(jwks.Keys) != 2 {
		t.Fatalf("JWKS after disabling: %d %s", code, body)
	}
	for _, k := range jwks.Keys {
		if k.D != "" || strings.Contains(body, `"d"`) {
			t.Fatalf("the JWKS publishes a private key: %s", body)
		}
	}
}

// TestAWSCLIOutboundWebIdentityFederation runs the IAM operations and GetWebIdentityToken with the AWS CLI: the
// answers' members, and the errors of enabling or disabling twice.
func TestAWSCLIOutboundWebIdentityFederation(t *testing.T) {
	s := startServer(t)
	issuer := s.URL + "/iamd/v1/oidc/" + account
	_, stderr, code := s.awsCLI(t, rootCreds, "iam", "get-outbound-web-identity-federation-info")
	if code == 0 || !strings.Contains(stderr, "FeatureDisabled") {
		t.Fatalf("info before enabling: exit %d, %s", code, stderr)
	}
	var en struct{ IssuerIdentifier string }
	s.mustCLI(t, rootCreds, &en, "iam", "enable-outbound-web-identity-federation")
	if en.IssuerIdentifier != issuer {
		t.Fatalf("IssuerIdentifier = %q, want %q", en.IssuerIdentifier, issuer)
	}
	_, stderr, code = s.awsCLI(t, rootCreds, "iam", "enable-outbound-web-identity-federation")
	if code == 0 || !strings.Contains(stderr, "FeatureEnabled") {
		t.Fatalf("enabling twice: exit %d, %s", code, stderr)
	}
	var info struct {
		IssuerIdentifier  string
		JwtVendingEnabled *bool
	}
	s.mustCLI(t, rootCreds, &info, "iam", "get-outbound-web-identity-federation-info")
	if info.IssuerIdentifier != issuer || info.JwtVendingEnabled == nil || !*info.JwtVendingEnabled {
		t.Fatalf("info = %+v", info)
	}
	var tok struct {
		WebIdentityToken string
		Expiration       string
	}
	s.mustCLI(t, rootCreds, &tok, "sts", "get-web-identity-token", "--audience", "api.example.com", // the CLI v1 fetches a parameter that is an http(s) URL
		"--signing-algorithm", "ES384", "--duration-seconds", "60")
	if strings.Count(tok.WebIdentityToken, ".") != 2 || tok.Expiration == "" {
		t.Fatalf("token = %+v", tok)
	}
	s.mustCLI(t, rootCreds, nil, "iam", "disable-outbound-web-identity-federation")
	s.mustCLI(t, rootCreds, &info, "iam", "get-outbound-web-identity-federation-info")
	if info.IssuerIdentifier != issuer || info.JwtVendingEnabled == nil || *info.JwtVendingEnabled {
		t.Fatalf("info after disabling = %+v", info)
	}
	_, stderr, code = s.awsCLI(t, rootCreds, "iam", "disable-outbound-web-identity-federation")
	if code == 0 || !strings.Contains(stderr, "FeatureDisabled") {
		t.Fatalf("disabling twice: exit %d, %s", code, stderr)
	}
	_, stderr, code = s.awsCLI(t, rootCreds, "sts", "get-web-identity-token", "--audience", "x", "--signing-algorithm", "RS256")
	if code == 0 || !strings.Contains(stderr, "OutboundWebIdentityFederationDisabledException") {
		t.Fatalf("token after disabling: exit %d, %s", code, stderr)
	}
}

// TestGoldenOutboundWebIdentityFederation pins the wire answers of the four operations, errors included. The
// issuer URL's port and the token change from run to run and are replaced by placeholders.
func TestGoldenOutboundWebIdentityFederation(t *testing.T) {
	s := startServer(t)
	token := regexp.MustCompile(`<WebIdentityToken>[^<]+</WebIdentityToken>`)
	steps := []struct {
		name, service string
		params        map[string]string
	}{
		{"GetOutboundWebIdentityFederationInfo-never-enabled", "iam", map[string]string{"Action": "GetOutboundWebIdentityFederationInfo"}},
		{"GetWebIdentityToken-disabled", "sts", map[string]string{"Action": "GetWebIdentityToken", "Audience.member.1": "x", "SigningAlgorithm": "RS256"}},
		{"EnableOutboundWebIdentityFederation", "iam", map[string]string{"Action": "EnableOutboundWebIdentityFederation"}},
		{"EnableOutboundWebIdentityFederation-enabled", "iam", map[string]string{"Action": "EnableOutboundWebIdentityFederation"}},
		{"GetOutboundWebIdentityFederationInfo", "iam", map[string]string{"Action": "GetOutboundWebIdentityFederationInfo"}},
		{"GetWebIdentityToken", "sts", map[string]string{"Action": "GetWebIdentityToken", "Audience.member.1": "https://api.example.com",
			"SigningAlgorithm": "ES384", "DurationSeconds": "60", "Tags.member.1.Key": "job", "Tags.member.1.Value": "42"}},
		{"GetWebIdentityToken-bad-algorithm", "sts", map[string]string{"Action": "GetWebIdentityToken", "Audience.member.1": "x", "SigningAlgorithm": "HS256"}},
		{"DisableOutboundWebIdentityFederation", "iam", map[string]string{"Action": "DisableOutboundWebIdentityFederation"}},
		{"DisableOutboundWebIdentityFederation-disabled", "iam", map[string]string{"Action": "DisableOutboundWebIdentityFederation"}},
	}
	for _, st := range steps {
		params := url.Values{}
		for k, v := range st.params {
			params.Set(k, v)
		}
		status, body := s.call(t, rootCreds, st.service, params)
		body = strings.ReplaceAll(body, s.URL, "http://127.0.0.1:PORT")
		body = token.ReplaceAllString(body, "<WebIdentityToken>TOKEN</WebIdentityToken>")
		golden(t, st.name, status, body)
	}
}
