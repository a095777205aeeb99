// Package awsquery is the AWS query protocol (IAM, STS) on the wire: ParseRequest reads the parameters of
// a GET or form POST, Decode fills a generated input struct (internal/apitypes/...) from them, and
// EncodeResponse and EncodeError write the XML that the AWS SDKs and CLI parse.
//
// A Codec caches the per-type field plans that Decode and EncodeResponse derive from struct tags; the
// package-level functions use a one-off Codec. Errors this package raises are *awserr.Error values carrying
// AWS's code (MissingAction, InvalidAction, MalformedQueryString, MalformedInput) and HTTP status, with a
// *ParamError cause naming the parameter at fault where there is one; the wire layer (internal/api) maps every
// error to the ErrorInfo that EncodeError writes, in one place.
package awsquery
