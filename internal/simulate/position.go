package simulate

import (
	"strings"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/policy"
)

// statementPositions returns the StartPosition and EndPosition AWS reports for a statement.
//
// AWS does not point at the statement's braces. Its positions are where its JSON reader stood before and after
// reading the statement: the end is just past the closing '}'; the start is just past the token before the
// statement — the '[' of the Statement list for the first statement, the '}' of the previous statement for the
// others — or, for a lone statement object ("Statement": {...}), just past its '{', because the reader takes the
// value's first character together with the member name. Columns count from 1. Three published responses agree:
// the CLI's own example (a lone statement: 1:38 to 1:167), the AdministratorAccess policy (3:17 to 8:6) and a
// two-statement bucket policy (1:38 to 1:248, then 1:248 to 1:470).
func statementPositions(st *policy.Statement) (start, end Position) {
	text := st.Policy.Text
	open := st.Span.Start.Offset // the statement's '{'
	at := open + 1
	if i := lastNonSpace(text, open); i >= 0 {
		switch text[i] {
		case '[':
			at = i + 1
		case ',':
			if j := lastNonSpace(text, i); j >= 0 {
				at = j + 1
			}
		}
	}
	return positionAt(text, at), Position{Line: st.Span.End.Line, Column: st.Span.End.Col}
}

// lastNonSpace returns the index of the last byte before end that is not JSON whitespace, or -1.
func lastNonSpace(text string, end int) int {
	for i := end - 1; i >= 0; i-- {
		switch text[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return -1
}

// positionAt returns the line and column of byte offset off, counting lines as package policy does (by '\n') and
// columns in characters.
func positionAt(text string, off int) Position {
	off = min(off, len(text))
	lineStart := strings.LastIndexByte(text[:off], '\n') + 1
	return Position{
		Line:   strings.Count(text[:off], "\n") + 1,
		Column: utf8.RuneCountInString(text[lineStart:off]) + 1,
	}
}
