package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// GetHumanReadableSummary. AWS writes the summary with a large language model; iamd writes a deterministic one
// from the request and its permission policy, naming services and actions (with their access levels) from the
// shipped service authorization data. The only entity AWS summarizes is a delegation request, with the same
// visibility and default permission as GetDelegationRequest. iamd writes English only: en-US (the default) is
// AVAILABLE; another language of the AWS Management Console is NOT_SUPPORTED with no content; anything else is
// InvalidInput.

const (
	summaryDefaultLocale = "en-US"
	summaryMaxLength     = 10000 // the model's summaryContentType
)

// summaryConsoleLocales are the other languages of the AWS Management Console.
var summaryConsoleLocales = []string{"de-DE", "es-ES", "fr-FR", "id-ID", "it-IT", "ja-JP", "ko-KR", "pt-BR", "tr-TR", "zh-CN", "zh-TW"}

// GetHumanReadableSummary summarizes a delegation request.
func (s *Service) GetHumanReadableSummary(ctx context.Context, c *Caller, in *iamtypes.GetHumanReadableSummaryRequest) (*iamtypes.GetHumanReadableSummaryResponse, error) {
	locale := str(in.Locale, summaryDefaultLocale)
	english := strings.EqualFold(locale, summaryDefaultLocale) || strings.EqualFold(locale, "en")
	if !english && !slices.ContainsFunc(summaryConsoleLocales, func(l string) bool { return strings.EqualFold(l, locale) }) {
		return nil, awserr.InvalidInput("Locale %s is not supported.", locale)
	}
	acct, id, ok := summaryEntity(in.EntityArn)
	if !ok {
		return nil, awserr.InvalidInput("EntityArn %s is not supported: only delegation requests can be summarized.", in.EntityArn)
	}
	out := &iamtypes.GetHumanReadableSummaryResponse{Locale: ptr(locale)}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		_, d, err := loadDelegation(ctx, r, c, id)
		if err != nil {
			return err
		}
		if d.OwnerAccount != "" && acct != d.OwnerAccount {
			return errDelegationNotFound(id)
		}
		if err := s.authorizeDelegation(ctx, r, c, d, "iam:GetHumanReadableSummary", true); err != nil {
			return err
		}
		if !english {
			out.SummaryState, out.SummaryContent = ptr(iamtypes.SummaryStateTypeNOTSUPPORTED), ptr("")
			return nil
		}
		text, err := s.delegationSummary(d)
		if err != nil {
			return err
		}
		out.SummaryState, out.SummaryContent = ptr(iamtypes.SummaryStateTypeAVAILABLE), ptr(text)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// summaryEntity splits arn:aws:iam::ACCOUNT:delegation-request/ID.
func summaryEntity(arn string) (account, id string, ok bool) {
	rest, ok := strings.CutPrefix(arn, awsregion.OfARN(arn).IAMPrefix())
	if !ok {
		return "", "", false
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok || len(account) != 12 {
		return "", "", false
	}
	id, ok = strings.CutPrefix(res, "delegation-request/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", "", false
	}
	return account, id, true
}

// delegationSummary writes the summary of a request: who asks, for how long, and what each statement of its
// policy allows or denies, service by service.
func (s *Service) delegationSummary(d *delegationRecord) (string, error) {
	p, err := s.compile(d.Policy, policy.TypeSession)
	if err != nil {
		return "", fmt.Errorf("stored delegation policy: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Account %s", d.RequestorAccount)
	if d.RequestorName != "" {
		fmt.Fprintf(&b, " (%s)", d.RequestorName)
	}
	b.WriteString(" requests temporary access")
	if d.OwnerAccount != "" {
		fmt.Fprintf(&b, " to account %s", d.OwnerAccount)
	}
	fmt.Fprintf(&b, " for %s, starting when the exchange token is sent.\n", summaryDuration(time.Duration(d.SessionDuration)*time.Second))
	if d.Description != "" {
		fmt.Fprintf(&b, "Description: %s\n", d.Description)
	}
	if d.RequestMessage != "" {
		fmt.Fprintf(&b, "Message: %s\n", d.RequestMessage)
	}
	fmt.Fprintf(&b, "Permissions (policy template %s):\n", d.TemplateARN)
	for _, st := range p.Statements {
		s.summaryStatement(&b, st)
	}
	text := b.String()
	if len(text) > summaryMaxLength {
		const more = "\n(summary truncated)\n"
		cut := strings.LastIndexByte(text[:summaryMaxLength-len(more)], '\n')
		text = text[:cut] + more
	}
	return text, nil
}

// summaryStatement writes one statement.
func (s *Service) summaryStatement(b *strings.Builder, st *policy.Statement) {
	verb := "Allows"
	if st.Effect != policy.Allow {
		verb = "Denies"
	}
	if st.NotAction {
		raw := make([]string, len(st.Actions))
		for i := range st.Actions {
			raw[i] = st.Actions[i].Raw
		}
		fmt.Fprintf(b, "- %s every action except %s\n", verb, strings.Join(raw, ", "))
	} else {
		fmt.Fprintf(b, "- %s:\n", verb)
		for _, line := range s.summaryActions(st) {
			fmt.Fprintf(b, "  %s\n", line)
		}
	}
	res := make([]string, len(st.Resources))
	for i := range st.Resources {
		res[i] = st.Resources[i].Raw
	}
	switch {
	case len(res) == 1 && res[0] == "*":
		b.WriteString("  on all resources")
	case st.NotResource:
		fmt.Fprintf(b, "  on all resources except %s", strings.Join(res, ", "))
	default:
		fmt.Fprintf(b, "  on %s", strings.Join(res, ", "))
	}
	if n := len(st.Conditions); n > 0 {
		fmt.Fprintf(b, ", only when %d condition(s) hold", n)
	}
	b.WriteString(".\n")
}

// summaryActions lists a statement's actions by service (in prefix order), each service's actions by access
// level (in the Service Authorization Reference's order) then name.
func (s *Service) summaryActions(st *policy.Statement) []string {
	var lines, unknown []string
	services := map[string]bool{}
	for i := range st.Actions {
		a := &st.Actions[i]
		if a.HasServiceWildcard() {
			lines = append(lines, fmt.Sprintf("every action of every AWS service (%s)", a.Raw))
			continue
		}
		if _, ok := s.Catalog.Service(a.Service); ok {
			services[a.Service] = true
		} else {
			unknown = append(unknown, a.Raw)
		}
	}
	prefixes := make([]string, 0, len(services))
	for p := range services {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	levels := []catalog.AccessLevel{catalog.AccessList, catalog.AccessRead, catalog.AccessWrite, catalog.AccessPermissionsManagement, catalog.AccessTagging}
	for _, prefix := range prefixes {
		svc, _ := s.Catalog.Service(prefix)
		byLevel := map[catalog.AccessLevel][]string{}
		n := 0
		for _, act := range svc.Actions {
			if st.MatchAction(prefix, strings.ToLower(act.Name)) {
				byLevel[act.AccessLevel] = append(byLevel[act.AccessLevel], act.Name)
				n++
			}
		}
		if n == 0 {
			lines = append(lines, fmt.Sprintf("%s (%s): no known action", svc.Name, prefix))
			continue
		}
		if n == len(svc.Actions) {
			lines = append(lines, fmt.Sprintf("%s (%s): all %d actions", svc.Name, prefix, n))
			continue
		}
		var parts []string
		for _, l := range levels {
			if names := byLevel[l]; len(names) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", l, strings.Join(names, ", ")))
			}
		}
		lines = append(lines, fmt.Sprintf("%s (%s): %s", svc.Name, prefix, strings.Join(parts, "; ")))
	}
	if len(unknown) > 0 {
		lines = append(lines, "actions of services iamd does not know: "+strings.Join(unknown, ", "))
	}
	return lines
}

// summaryDuration writes a duration in hours and minutes: "1 hour", "2 hours 30 minutes", "5 minutes".
func summaryDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case h > 0 && m > 0:
		return unit(h, "hour") + " " + unit(m, "minute")
	case h > 0:
		return unit(h, "hour")
	}
	return unit(m, "minute")
}
