package audit

import (
	"strings"

	"github.com/iamd-dev/iamd/internal/awserr"
)

// CloudTrail's errors. CloudTrail's model gives them no HTTP status, so they are 400 (the JSON protocol's default
// for a client error). Where no AWS-verified message is known, the message is the sentence CloudTrail's API
// reference gives for the error (botocore's model documentation).
func ctError(code, msg string) *awserr.Error {
	return &awserr.Error{Code: code, HTTPStatus: 400, Message: msg}
}

func errInvalidLookupAttributes(msg string) *awserr.Error {
	return ctError("InvalidLookupAttributesException", msg)
}

func errInvalidTimeRange() *awserr.Error {
	return ctError("InvalidTimeRangeException", "Occurs if the timestamp values are not valid. Either the start time "+
		"occurs after the end time, or the time range is outside the range of possible values.")
}

func errInvalidMaxResults() *awserr.Error {
	return ctError("InvalidMaxResultsException", "This exception is thrown if the limit specified is not valid.")
}

func errInvalidNextToken() *awserr.Error {
	return ctError("InvalidNextTokenException", "A token that is not valid, or a token that was previously used in a "+
		"request with different parameters. This exception is thrown if the token is not valid.")
}

func errInvalidEventCategory() *awserr.Error {
	return ctError("InvalidEventCategoryException", "Occurs if an event category that is not valid is specified as a "+
		"value of EventCategory.")
}

func errInvalidTrailName(msg string) *awserr.Error { return ctError("InvalidTrailNameException", msg) }

func errTrailARNInvalid(arn string) *awserr.Error {
	return ctError("CloudTrailARNInvalidException", "Invalid trail ARN: "+arn+". The format of a trail ARN is "+
		"arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.")
}

// errTrailNotFound is AWS's message, as the AWS CLI shows it: "Unknown trail: NAME for the user: ACCOUNT".
func errTrailNotFound(name, account string) *awserr.Error {
	return ctError("TrailNotFoundException", "Unknown trail: "+name+" for the user: "+account)
}

// Invalid maps a failure of the model's constraints on a CloudTrail request (found before the operation runs) to
// the error CloudTrail answers it with: a LookupEvents attribute key or value is InvalidLookupAttributesException,
// MaxResults out of 1..50 InvalidMaxResultsException, an EventCategory other than insight
// InvalidEventCategoryException. path is the violation's member path in AWS's form ('maxResults',
// 'lookupAttributes.1.member.attributeKey'); ok is false for the members CloudTrail has no own error for.
func Invalid(path string) (err *awserr.Error, ok bool) {
	switch {
	case path == "maxResults":
		return errInvalidMaxResults(), true
	case path == "eventCategory":
		return errInvalidEventCategory(), true
	case strings.HasPrefix(path, "lookupAttributes."):
		return errInvalidLookupAttributes("Occurs when a lookup attribute is specified that is not valid."), true
	}
	return nil, false
}
