package stsapi

import "github.com/iamd-dev/iamd/internal/api/awsquery/difftest"

// The generated decoders and encoders of every shape, for the differential test (listed from zz_generated_codec.go).
var (
	diffDecoders = []difftest.Decoder{
		difftest.Dec(decodeAssumeRoleRequest),
		difftest.Dec(decodeAssumeRoleWithSAMLRequest),
		difftest.Dec(decodeAssumeRoleWithWebIdentityRequest),
		difftest.Dec(decodeAssumeRootRequest),
		difftest.Dec(decodeDecodeAuthorizationMessageRequest),
		difftest.Dec(decodeGetAccessKeyInfoRequest),
		difftest.Dec(decodeGetCallerIdentityRequest),
		difftest.Dec(decodeGetDelegatedAccessTokenRequest),
		difftest.Dec(decodeGetFederationTokenRequest),
		difftest.Dec(decodeGetSessionTokenRequest),
		difftest.Dec(decodeGetWebIdentityTokenRequest),
		difftest.Dec(decodePolicyDescriptorType),
		difftest.Dec(decodeProvidedContext),
		difftest.Dec(decodeTag),
	}
	diffEncoders = []difftest.Encoder{
		difftest.Enc(encodeAssumeRoleResponse),
		difftest.Enc(encodeAssumeRoleWithSAMLResponse),
		difftest.Enc(encodeAssumeRoleWithWebIdentityResponse),
		difftest.Enc(encodeAssumeRootResponse),
		difftest.Enc(encodeAssumedRoleUser),
		difftest.Enc(encodeCredentials),
		difftest.Enc(encodeDecodeAuthorizationMessageResponse),
		difftest.Enc(encodeFederatedUser),
		difftest.Enc(encodeGetAccessKeyInfoResponse),
		difftest.Enc(encodeGetCallerIdentityResponse),
		difftest.Enc(encodeGetDelegatedAccessTokenResponse),
		difftest.Enc(encodeGetFederationTokenResponse),
		difftest.Enc(encodeGetSessionTokenResponse),
		difftest.Enc(encodeGetWebIdentityTokenResponse),
	}
)
