package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGoldenResponsibilityTransfers pins the JSON of the responsibility-transfer operations: the management account
// of one organization invites the management account of a second organization to a billing transfer, which the
// second accepts; both describe and list it (inbound for the inviter, outbound for the invitee), the inviter renames
// it and the invitee terminates it. Its own server, so that the other Organizations scenarios' files stay as they are.
func TestGoldenResponsibilityTransfers(t *testing.T) {
	s := startServer(t)
	setup := func(c creds, op, body string) string {
		t.Helper()
		status, out := s.callJSON(t, c, op, body)
		if status != 200 {
			t.Fatalf("%s: %d %s", op, status, out)
		}
		return out
	}
	orgID := regexp.MustCompile(`"Id":"(o-[a-z0-9]{10,32})"`)
	setup(rootCreds, "CreateOrganization", `{"FeatureSet":"ALL"}`)
	otherID, other := standaloneAccount(t, s)
	otherOrg := orgID.FindStringSubmatch(setup(other, "CreateOrganization", `{"FeatureSet":"ALL"}`))[1]

	// A transfer starts at the beginning of a month, not before the current one: the next month's first day.
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	transferID := regexp.MustCompile(`\brt-[0-9a-z]{8,32}\b`)
	step := func(c creds, name, op, body string) string {
		t.Helper()
		status, out := s.callJSON(t, c, op, body)
		raw := out
		// the second organization's ID first, so that the general o-... normalizer does not make it the first's
		out = strings.ReplaceAll(out, otherOrg, "o-examplesource")
		out = strings.ReplaceAll(out, start.Format(time.RFC3339), "2026-01-01T00:00:00Z")
		out = transferID.ReplaceAllString(out, "rt-exampletransfer")
		for _, n := range orgMoreNormalizers {
			out = n.re.ReplaceAllString(out, n.with)
		}
		goldenJSON(t, name, status, out)
		return raw
	}

	inv := step(rootCreds, "InviteOrganizationToTransferResponsibility", "InviteOrganizationToTransferResponsibility",
		`{"Type":"BILLING","Target":{"Id":"`+otherID+`","Type":"ACCOUNT"},"StartTimestamp":`+unix(start)+
			`,"SourceName":"billing","Notes":"consolidate billing"}`)
	transfer := transferID.FindString(inv)
	handshake := regexp.MustCompile(`"Id":"(h-[a-z0-9]{8,32})"`).FindStringSubmatch(inv)
	if transfer == "" || handshake == nil {
		t.Fatalf("no transfer or handshake ID in %s", inv)
	}
	step(other, "AcceptHandshake-transfer", "AcceptHandshake", `{"HandshakeId":"`+handshake[1]+`"}`)
	byID := `{"Id":"` + transfer + `"}`
	step(rootCreds, "DescribeResponsibilityTransfer", "DescribeResponsibilityTransfer", byID)
	step(other, "DescribeResponsibilityTransfer-outbound", "DescribeResponsibilityTransfer", byID)
	step(rootCreds, "ListInboundResponsibilityTransfers", "ListInboundResponsibilityTransfers", `{"Type":"BILLING"}`)
	step(other, "ListOutboundResponsibilityTransfers", "ListOutboundResponsibilityTransfers", `{"Type":"BILLING"}`)
	step(rootCreds, "UpdateResponsibilityTransfer", "UpdateResponsibilityTransfer", `{"Id":"`+transfer+`","Name":"billing-renamed"}`)
	end := start.AddDate(0, 1, 0)
	step(other, "TerminateResponsibilityTransfer", "TerminateResponsibilityTransfer", `{"Id":"`+transfer+`","EndTimestamp":`+unix(end)+`}`)
	step(rootCreds, "DescribeResponsibilityTransfer-not-found", "DescribeResponsibilityTransfer", `{"Id":"rt-0000000000aa"}`)
}

// unix is t as the JSON protocol's timestamp: seconds since the epoch.
func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
