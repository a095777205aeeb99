// Package aatypes holds the shapes of the IAM Access Analyzer API (2019-11-01) that iamd serves: request and
// response structs, enums, the operation table and the error shapes of ValidatePolicy, CheckNoNewAccess,
// CheckAccessNotGranted and CheckNoPublicAccess, generated from botocore's accessanalyzer model by tools/genshapes
// (-operations) into zz_generated_shapes.go. The shapes carry no wire metadata. Access Analyzer speaks the
// REST-JSON protocol; its codec is generated into the wire layer, internal/api/aaapi/zz_generated_codec.go.
//
// Regenerate with go generate (needs python3 with botocore); see CONTRIBUTING.md, "Adding an operation".
package aatypes

//go:generate sh -c "go run ../../../tools/genshapes -operations ValidatePolicy,CheckNoNewAccess,CheckAccessNotGranted,CheckNoPublicAccess,CreateAnalyzer,GetAnalyzer,ListAnalyzers,DeleteAnalyzer,UpdateAnalyzer,CreateArchiveRule,GetArchiveRule,ListArchiveRules,UpdateArchiveRule,DeleteArchiveRule,ApplyArchiveRule,ListFindings,ListFindingsV2,GetFinding,GetFindingV2,UpdateFindings,GetFindingRecommendation,GenerateFindingRecommendation,GetFindingsStatistics,StartResourceScan,GetAnalyzedResource,ListAnalyzedResources,TagResource,UntagResource,ListTagsForResource,StartPolicyGeneration,GetGeneratedPolicy,ListPolicyGenerations,CancelPolicyGeneration -model \"$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/accessanalyzer/2019-11-01/service-2.json.gz\" -package aatypes -out zz_generated_shapes.go"
