// Package sigv4 checks and makes AWS Signature Version 4 (AWS4-HMAC-SHA256) request signatures, so that iamd
// accepts requests signed by the AWS CLI, boto3, the AWS SDKs and Terraform exactly as AWS does.
//
// A Verifier authenticates a received request in either form AWS accepts: the Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date,
// Signature=…") or a presigned URL (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature and X-Amz-Security-Token in the query). It rebuilds the canonical request
// as AWS specifies it for services other than S3 (path normalised and URI-encoded twice, query sorted and
// re-encoded, headers lower-cased, trimmed and joined, payload hash always the body's — X-Amz-Content-Sha256 must
// match it, and UNSIGNED-PAYLOAD is accepted only by a Verifier set to allow it, as S3 does),
// derives the signing key (cached per secret, date, region and service inside the Verifier), compares signatures
// in constant time, and enforces the clock skew, presigned expiry, credential scope (a known Region, and the
// service of the API called: VerifyFor), session token and key expiry. A repeated Authorization, X-Amz-Date,
// X-Amz-Security-Token or X-Amz-Content-Sha256 header is refused. A failure is an *Error carrying the code,
// message and HTTP status that IAM and STS return.
//
// Sign and Presign produce such signatures, for tests and for iamd's own clients.
package sigv4
