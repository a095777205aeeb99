package sqlite

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// eventCodec compresses what the events table keeps of each event, its record (data) and its attributes (attrs),
// with zstd and a dictionary of the text CloudTrail records repeat (eventDict1). A GetUser event of about 1.5 KB
// then takes about 400 bytes: a page holds about ten events instead of two, so the trail writes a quarter of the
// pages it wrote, and an event appended with a change less often splits a page.
//
// A value is kept compressed only when that makes it shorter: a short value stays as it is. A compressed value
// starts with zstd's magic number; a value that does not is read as it is, which is how rows written before
// compression (JSON records, which start with '{', and attributes, which start with '0' or '1') are read. A value
// that starts with the magic number itself is always kept compressed, so that it is never mistaken for one.
type eventCodec struct {
	enc     *zstd.Encoder
	dec     *zstd.Decoder
	closing sync.Once
}

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// eventDictID names eventDict1 in each frame. A frame names the dictionary it needs: a new dictionary takes a new
// ID, and the decoder keeps every dictionary a database may hold.
const eventDictID = 0x69616d01

func newEventCodec() (*eventCodec, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true), zstd.WithEncoderDictRaw(eventDictID, []byte(eventDict1)))
	if err != nil {
		return nil, fmt.Errorf("event codec: %w", err)
	}
	// Concurrency 0: as many decoders as GOMAXPROCS, for reads on several connections at once. An event's record
	// is bounded by what a request can hold; the limit only stops a damaged frame from asking for more.
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(64<<20),
		zstd.WithDecoderDictRaw(eventDictID, []byte(eventDict1)))
	if err != nil {
		enc.Close()
		return nil, fmt.Errorf("event codec: %w", err)
	}
	return &eventCodec{enc: enc, dec: dec}, nil
}

// encode returns the value to keep for v (appended to dst).
func (c *eventCodec) encode(dst, v []byte) []byte {
	z := c.enc.EncodeAll(v, dst)
	if len(z)-len(dst) < len(v) || bytes.HasPrefix(v, zstdMagic) {
		return z
	}
	return append(z[:len(dst)], v...)
}

// decode returns the value a kept value stands for (appended to dst).
func (c *eventCodec) decode(dst, kept []byte) ([]byte, error) {
	if !bytes.HasPrefix(kept, zstdMagic) {
		return append(dst, kept...), nil
	}
	out, err := c.dec.DecodeAll(kept, dst)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return out, nil
}

// close releases the codec's encoder and decoders; closing again does nothing.
func (c *eventCodec) close() {
	c.closing.Do(func() {
		c.enc.Close()
		c.dec.Close()
	})
}

// eventDict1 is dictionary 1: text that CloudTrail records and their lookup attributes repeat, most frequent last
// (zstd reaches the end of a dictionary with the shortest offsets). It never changes: rows hold frames that need it.
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
