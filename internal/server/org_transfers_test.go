package server_test

import (
	"testing"
	"time"
)

// A billing transfer between two organizations with the AWS CLI: invited, accepted by the other management
// account, seen inbound and outbound, and terminated.
func TestResponsibilityTransferWithTheCLI(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	s.mustCLI(t, rootCreds, nil, "organizations", "create-organization")
	otherID, other := standaloneAccount(t, s)
	s.mustCLI(t, other, nil, "organizations", "create-organization")

	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	var inv struct {
		Handshake struct {
			Id, Action, State string
			Resources         []struct{ Type, Value string }
		}
	}
	s.mustCLI(t, rootCreds, &inv, "organizations", "invite-organization-to-transfer-responsibility", "--type", "BILLING",
		"--target", "Id="+otherID+",Type=ACCOUNT", "--start-timestamp", start, "--source-name", "billing")
	if inv.Handshake.Action != "TRANSFER_RESPONSIBILITY" || inv.Handshake.State != "OPEN" {
		t.Fatalf("invitation %+v", inv)
	}
	var id string
	for _, r := range inv.Handshake.Resources {
		if r.Type == "RESPONSIBILITY_TRANSFER" {
			id = r.Value
		}
	}
	s.mustCLI(t, other, nil, "organizations", "accept-handshake", "--handshake-id", inv.Handshake.Id)

	var list struct {
		ResponsibilityTransfers []struct {
			Id, Status, Arn string
			Source, Target  struct{ ManagementAccountId string }
		}
	}
	s.mustCLI(t, rootCreds, &list, "organizations", "list-inbound-responsibility-transfers", "--type", "BILLING")
	if len(list.ResponsibilityTransfers) != 1 || list.ResponsibilityTransfers[0].Id != id || list.ResponsibilityTransfers[0].Status != "ACCEPTED" ||
		list.ResponsibilityTransfers[0].Source.ManagementAccountId != otherID {
		t.Fatalf("inbound %+v", list)
	}
	s.mustCLI(t, other, &list, "organizations", "list-outbound-responsibility-transfers", "--type", "BILLING")
	if len(list.ResponsibilityTransfers) != 1 || list.ResponsibilityTransfers[0].Target.ManagementAccountId != account {
		t.Fatalf("outbound %+v", list)
	}
	var one struct{ ResponsibilityTransfer struct{ Name, Status string } }
	s.mustCLI(t, rootCreds, &one, "organizations", "update-responsibility-transfer", "--id", id, "--name", "renamed")
	s.mustCLI(t, other, &one, "organizations", "terminate-responsibility-transfer", "--id", id)
	if one.ResponsibilityTransfer.Status != "WITHDRAWN" || one.ResponsibilityTransfer.Name != "renamed" {
		t.Fatalf("terminated %+v", one)
	}
	out, errOut, code := s.awsCLI(t, rootCreds, "organizations", "describe-responsibility-transfer", "--id", "rt-0000000000aa")
	wantCLIError(t, out, errOut, code, "ResponsibilityTransferNotFoundException", "")
}
