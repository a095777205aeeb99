package awsquery

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// FormContentType is the media type of a query-protocol POST body.
const FormContentType = "application/x-www-form-urlencoded"

// ParseRequest returns the parameters of a query-protocol request: the URL's query string, and for a POST
// with a form body (application/x-www-form-urlencoded, any charset parameter) the body's parameters too,
// the body's first. body is the request body, already read by the caller (SigV4 needs it as well).
//
// It requires Action and Version: a request without Action is MissingAction, one without Version is
// InvalidAction ("Could not find operation X for version NO_VERSION_SPECIFIED"), and a body or query string
// that does not decode is MalformedQueryString (HTTP 404, as AWS documents it). A POST body of another
// content type is not read, so its parameters do not count.
func ParseRequest(r *http.Request, body []byte) (url.Values, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errMalformedQueryString("The query string contains a syntax error.")
	}
	if r.Method == http.MethodPost && isForm(r.Header.Get("Content-Type")) && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errMalformedQueryString("The request body contains a syntax error.")
		}
		for k, vs := range values {
			form[k] = append(form[k], vs...)
		}
		values = form
	}
	action := values.Get("Action")
	if action == "" {
		return nil, errMissingAction()
	}
	if values.Get("Version") == "" {
		return nil, UnknownOperation(action, "")
	}
	return values, nil
}

func isForm(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A header like "application/x-www-form-urlencoded; charset" still names the type before the ';'.
		mt = strings.TrimSpace(strings.ToLower(strings.SplitN(contentType, ";", 2)[0]))
	}
	return mt == FormContentType
}
