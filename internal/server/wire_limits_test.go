package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestWireUnknownAPIVersionIsInvalidAction: a query-protocol request for a Version the service does not have is
// refused with AWS's InvalidAction ("Could not find operation X for version Y", HTTP 404), on IAM and STS alike;
// a request without Version names NO_VERSION_SPECIFIED (HTTP 400).
func TestWireUnknownAPIVersionIsInvalidAction(t *testing.T) {
	s := startServer(t)
	cases := []struct {
		name, service, action, version string
		status                         int
		message                        string
	}{
		{"IAM at another version", "iam", "ListUsers", "2011-06-15", http.StatusNotFound, "Could not find operation ListUsers for version 2011-06-15"},
		{"IAM at a cut-short version", "iam", "GetPolicy", "201", http.StatusNotFound, "Could not find operation GetPolicy for version 201"},
		{"STS at IAM's version", "sts", "GetCallerIdentity", "2010-05-08", http.StatusNotFound, "Could not find operation GetCallerIdentity for version 2010-05-08"},
		{"IAM at its version answers", "iam", "ListUsers", "2010-05-08", http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.call(t, rootCreds, tc.service, url.Values{"Action": {tc.action}, "Version": {tc.version}})
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.message == "" {
				return
			}
			if errorCode(body) != "InvalidAction" || !strings.Contains(body, "<Message>"+tc.message+"</Message>") {
				t.Fatalf("answer %s; want InvalidAction %q", body, tc.message)
			}
		})
	}
	t.Run("no Version", func(t *testing.T) {
		body := "Action=ListUsers"
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(out), "Could not find operation ListUsers for version NO_VERSION_SPECIFIED") {
			t.Fatalf("%d %s", resp.StatusCode, out)
		}
	})
}

// oversized is a query-protocol body of 2 MB, twice the limit.
func oversized() string {
	return "Action=CreatePolicy&Version=2010-05-08&PolicyName=big&PolicyDocument=" + strings.Repeat("A", 2<<20)
}

// readAnswer reads one HTTP answer from a raw connection within 10 s.
func readAnswer(t *testing.T, br *bufio.Reader, c interface{ SetReadDeadline(time.Time) error }) (*http.Response, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v (a reset instead of the 413?)", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return resp, string(body)
}

// TestWireOversizedBodyGets413NotAReset: a client that sends a 2 MB body in one go (it reads nothing before it has
// sent all) reads AWS's 413 in XML, and the connection is then closed — never reset under it; a client waiting
// for 100 Continue is answered at once without sending the body.
func TestWireOversizedBodyGets413NotAReset(t *testing.T) {
	s := startServer(t)
	body := oversized()
	t.Run("raw client still sending after a pause", func(t *testing.T) {
		// The client sends 1.5 MB, pauses past the moment the server has answered and given up on the
		// connection (net/http waits 500 ms after its answer before it closes), then sends the rest, and reads
		// only then: a server that closed with the body unread has reset the connection and lost the answer.
		c := s.rawConn(t)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: iamd\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", len(body))
		half := 3 << 19
		if _, err := io.WriteString(c, body[:half]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		if _, err := io.WriteString(c, body[half:]); err != nil {
			t.Fatalf("sending the rest of the body: %v (the connection was reset)", err)
		}
		resp, got := readAnswer(t, bufio.NewReader(c), c)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || errorCode(got) != "RequestEntityTooLarge" || !resp.Close {
			t.Fatalf("answer %d close=%v %s", resp.StatusCode, resp.Close, got)
		}
	})
	t.Run("raw client expecting 100 Continue", func(t *testing.T) {
		c := s.rawConn(t)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: iamd\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(body))
		resp, got := readAnswer(t, bufio.NewReader(c), c)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || errorCode(got) != "RequestEntityTooLarge" {
			t.Fatalf("answer %d %s", resp.StatusCode, got)
		}
	})
	t.Run("Go's HTTP client", func(t *testing.T) {
		resp, err := http.Post(s.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%v (a reset instead of the 413)", err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || errorCode(string(got)) != "RequestEntityTooLarge" {
			t.Fatalf("answer %d %s", resp.StatusCode, got)
		}
	})
	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		client := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
		_, err := client.CreatePolicy(context.Background(), &awsiam.CreatePolicyInput{PolicyName: aws.String("big"), PolicyDocument: aws.String(strings.Repeat("A", 2<<20))})
		var ae smithy.APIError
		var re *smithyhttp.ResponseError
		if !errors.As(err, &ae) || ae.ErrorCode() != "RequestEntityTooLarge" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusRequestEntityTooLarge {
			t.Fatalf("CreatePolicy with a 2 MB document: %v", err)
		}
	})
	// The server still serves after the refusals.
	if status, got := s.call(t, rootCreds, "iam", url.Values{"Action": {"ListUsers"}}); status != http.StatusOK {
		t.Fatalf("after the refusals: %d %s", status, got)
	}
}

// TestBoto3OversizedBodyGets413: boto3 sending a 2 MB body reads the 413 as RequestEntityTooLarge, not a
// connection error.
func TestBoto3OversizedBodyGets413(t *testing.T) {
	s := startServer(t)
	var out boto3Outcome
	s.runBoto3(t, rootCreds, nil, `
emit(call(client().create_policy, PolicyName="big", PolicyDocument="A" * (2 << 20)))
`, &out)
	if out.Error == nil || out.Error.Code != "RequestEntityTooLarge" || out.Error.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("boto3: %+v %s", out.Error, out.OK)
	}
}

// TestWireTagWithoutValueIsNullByItsPath: over HTTP, a tag sent without Value is AWS's ValidationError naming
// the member by its wire path.
func TestWireTagWithoutValueIsNullByItsPath(t *testing.T) {
	s := startServer(t)
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"bob"}})
	status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"TagUser"}, "UserName": {"bob"},
		"Tags.member.1.Key": {"a"}, "Tags.member.1.Value": {"x"}, "Tags.member.2.Key": {"b"}})
	want := "<Message>1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null</Message>"
	if status != http.StatusBadRequest || errorCode(body) != "ValidationError" || !strings.Contains(body, want) {
		t.Fatalf("%d %s", status, body)
	}
}
