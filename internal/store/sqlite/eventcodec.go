package sqlite

import (
	"errors"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
)

// eventCodec compresses what the events table keeps of each event, its record (data) and its attributes (attrs),
// with S2 (a Snappy-family block format: about a microsecond to encode an event, a quarter of that to decode) and a
// dictionary of the text CloudTrail records repeat (eventDict1). A GetUser record of 1.1 KB then takes about 250
// bytes and its attributes about 90: a page holds about ten events instead of two, so the trail writes a quarter
// of the pages it wrote, and an event appended with a change less often splits a page.
//
// A kept value is either the value as it is, or compressedTag, the dictionary's number and the S2 block. A value
// is compressed only when that makes it shorter. A value that starts with compressedTag itself is always kept
// compressed, so that it is never mistaken for a compressed one; JSON records (which start with '{') and encoded
// attributes (which start with '0' or '1'), the values written before compression, never do.
type eventCodec struct {
	dict *s2.Dict
}

// compressedTag starts a compressed value; the next byte numbers its dictionary.
const compressedTag = 0x00

// eventDictNumber numbers eventDict1 in each compressed value. A new dictionary takes a new number, and the codec
// keeps every dictionary a database may hold.
const eventDictNumber = 1

// maxDecoded bounds what one kept value may decode to (a damaged length must not allocate more): an event is
// bounded by what one request holds, well under S2's own limit of a block.
const maxDecoded = 4 << 20

var errBadCompressed = errors.New("malformed compressed value")

func newEventCodec() (*eventCodec, error) {
	// S2's dictionary form: the offset of the first repeat (0) as a uvarint, then the text.
	d := s2.NewDict(append([]byte{0}, eventDict1...))
	if d == nil {
		return nil, errors.New("event codec: the dictionary is not valid")
	}
	return &eventCodec{dict: d}, nil
}

// encode appends the value to keep for v to dst and returns the extended buffer; the value is its last bytes.
// A transaction encodes its values into one buffer it reuses: SQLite copies a bound value.
func (c *eventCodec) encode(dst, v []byte) []byte {
	bound := s2.MaxEncodedLen(len(v))
	if bound < 0 || len(v) > maxDecoded {
		// Longer than decode takes (never an event): kept as it is. Were it to start with compressedTag, decode
		// would refuse it rather than misread it.
		return append(dst, v...)
	}
	start := len(dst)
	dst = slices.Grow(dst, 2+bound)
	out := dst[start : start+2+bound]
	out[0], out[1] = compressedTag, eventDictNumber
	// Encode writes into out[2:], which is long enough for any block of v.
	n := len(c.dict.Encode(out[2:], v))
	if 2+n < len(v) || (len(v) > 0 && v[0] == compressedTag) {
		return dst[:start+2+n]
	}
	return append(dst[:start], v...)
}

// decode returns the value a kept value stands for, in memory of its own (kept may be a row's bytes that the next
// row overwrites).
func (c *eventCodec) decode(kept []byte) ([]byte, error) {
	if len(kept) == 0 || kept[0] != compressedTag {
		return append([]byte(nil), kept...), nil
	}
	if len(kept) < 2 || kept[1] != eventDictNumber {
		return nil, fmt.Errorf("decompress: %w: no dictionary %d", errBadCompressed, kept[min(1, len(kept)-1)])
	}
	block := kept[2:]
	n, err := s2.DecodedLen(block)
	if err != nil || n > maxDecoded {
		return nil, fmt.Errorf("decompress: %w", errBadCompressed)
	}
	out, err := c.dict.Decode(nil, block)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w: %v", errBadCompressed, err)
	}
	return out, nil
}

// eventDict1 is dictionary 1: text that CloudTrail records and their lookup attributes repeat, most frequent last
// (matches near the end of a dictionary take the shortest offsets). It never changes: rows hold values that need it.
const eventDict1 = `"errorCode":"NoSuchEntity","errorMessage":"The user with name  cannot be found."` +
	`"errorCode":"EntityAlreadyExists","errorMessage":"User with name  already exists."` +
	`"errorCode":"ValidationError","errorCode":"LimitExceeded","errorCode":"InvalidClientTokenId","errorCode":"SignatureDoesNotMatch",` +
	`"errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::123456789012:assumed-role/ is not authorized to perform: iam: on resource: arn:aws:iam::123456789012: because no identity-based policy allows the iam: action"` +
	`{"decision":"denied","missing":"identity","action":"sts:AssumeRole","resource":"arn:aws:iam::123456789012:role/"` +
	`"requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/","roleSessionName":"","durationSeconds":3600},` +
	`"responseElements":{"credentials":{"accessKeyId":"ASIA","sessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS","expiration":""},` +
	`"assumedRoleUser":{"assumedRoleId":"AROA:","arn":"arn:aws:sts::123456789012:assumed-role/"}}` +
	`"resources":[{"ARN":"arn:aws:iam::123456789012:role/","accountId":"123456789012","type":"AWS::IAM::Role"}],` +
	`"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","eventSource":"organizations.amazonaws.com",` +
	`"eventSource":"cloudtrail.amazonaws.com","eventName":"LookupEvents","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",` +
	`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"localhost"},` +
	`"userIdentity":{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":"AKIA"},` +
	`{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROA:","arn":"arn:aws:sts::123456789012:assumed-role/",` +
	`"accountId":"123456789012","accessKeyId":"ASIA","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA",` +
	`"arn":"arn:aws:iam::123456789012:role/","accountId":"123456789012","userName":""},"attributes":{"creationDate":"2026-` +
	`T00:00:00Z","mfaAuthenticated":"false"}}},"userAgent":"Boto3/1. md/Botocore#1. ua/2.1 os/linux# md/arch#x86_64 lang/python#3. ` +
	`md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.","userAgent":"aws-sdk-go-v2/1. ua/2.1 os/linux lang/go#1. md/GOOS#linux ` +
	`md/GOARCH#amd64 api/iam#1. m/E","userAgent":"APN/1.0 HashiCorp/1.0 Terraform/1. (+https://www.terraform.io) ` +
	`terraform-provider-aws/ (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1. ua/2.1 os/linux lang/go#1. ` +
	`"requestParameters":{"userName":"","policyName":"","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":` +
	`\"Allow\",\"Action\":\"\",\"Resource\":\"*\"}]}"},"responseElements":{"user":{"path":"/","userName":"","userId":"AIDA",` +
	`"arn":"arn:aws:iam::123456789012:user/","createDate":"Dec 6, 2026, 12:00:00 AM"}},` +
	`0EventSource017:iam.amazonaws.com0AccessKeyId020:AKIA0ResourceType014:AWS::IAM::Role0ResourceName` +
	`09:EventName8:ReadOnly5:false08:ReadOnly4:true08:Username111:EventSource17:iam.amazonaws.com111:AccessKeyId20:AKIA` +
	`114:iamd:Principal36:arn:aws:iam::123456789012:user/012:ResourceType14:AWS::IAM::User012:ResourceName` +
	`121:iamd:PrincipalService40:arn:aws:iam::123456789012:user/ iam120:iamd:PrincipalAction54:arn:aws:iam::123456789012:user/ iam:` +
	`{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA","arn":"arn:aws:iam::123456789012:user/",` +
	`"accountId":"123456789012","accessKeyId":"AKIA","userName":""},"eventTime":"2026-12-06T00:00:00Z",` +
	`"eventSource":"iam.amazonaws.com","eventName":"GetUser","awsRegion":"us-east-1","sourceIPAddress":"127.0.0.1",` +
	`"userAgent":"aws-cli/1. md/Botocore#1. ua/2.1 os/linux# md/arch#x86_64 lang/python#3. md/pyimpl#CPython m/N,b,g,D,Z ` +
	`cfg/retry-mode#legacy botocore/1.","requestParameters":{"userName":""},"responseElements":null,` +
	`"additionalEventData":{"iamdDecision":{"decision":"allowed","action":"iam:GetUser","resource":"arn:aws:iam::123456789012:user/",` +
	`"decidingStatements":[{"policy":"","layer":"identity","index":0,"effect":"Allow","attachedTo":"user/"}]}},` +
	`"requestID":"","eventID":"","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,` +
	`"recipientAccountId":"123456789012","eventCategory":"Management"}`
