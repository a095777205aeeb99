package authz

import (
	"testing"

	"github.com/iamd-dev/iamd/policy"
)

// TestStatementAppliesToReadsPrincipalElementsAsDecideDoes: a Principal element names a caller itself, its role or
// its account; a NotPrincipal element excludes only a caller all of whose identities it lists; a statement without
// either applies to everyone.
func TestStatementAppliesToReadsPrincipalElementsAsDecideDoes(t *testing.T) {
	user, _ := PrincipalFromARN("arn:aws:iam::111122223333:user/alice")
	session, _ := PrincipalFromARN("arn:aws:sts::111122223333:assumed-role/app/s")
	other, _ := PrincipalFromARN("arn:aws:iam::444455556666:user/alice")
	anon := Principal{Type: PrincipalAnonymous}
	svc := Principal{Type: PrincipalService, Service: "sns.amazonaws.com"}
	for _, tc := range []struct {
		name, stmt string
		p          Principal
		want       bool
	}{
		{"everyone names the anonymous caller", `"Principal":"*"`, anon, true},
		{"an account names its users", `"Principal":{"AWS":"111122223333"}`, user, true},
		{"an account does not name another's users", `"Principal":{"AWS":"111122223333"}`, other, false},
		{"a role names its sessions", `"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}`, session, true},
		{"an account does not name the anonymous caller", `"Principal":{"AWS":"111122223333"}`, anon, false},
		{"a service names itself", `"Principal":{"Service":"sns.amazonaws.com"}`, svc, true},
		{"NotPrincipal with the account alone does not exclude its user", `"NotPrincipal":{"AWS":"111122223333"}`, user, true},
		{"NotPrincipal with account and user excludes the user", `"NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]}`, user, false},
		{"NotPrincipal never excludes the anonymous caller", `"NotPrincipal":{"AWS":"111122223333"}`, anon, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			effect := "Allow"
			if tc.stmt[1] == 'N' {
				effect = "Deny"
			}
			p, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"`+effect+`",`+tc.stmt+`,"Action":"s3:*","Resource":"*"}]}`), policy.TypeResource)
			if err != nil {
				t.Fatal(err)
			}
			if got := StatementAppliesTo(p.Statements[0], &tc.p); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
