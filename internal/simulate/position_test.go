package simulate

import (
	"testing"

	"github.com/iamd-dev/iamd/policy"
)

func TestStatementPositionsFollowAWSsReader(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		typ  policy.Type
		want [][2]Position // per statement: start, end
	}{
		{
			name: "a lone statement on its own line starts past its brace",
			doc:  "{\n  \"Statement\":\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}\n}",
			want: [][2]Position{{{3, 6}, {3, 59}}},
		},
		{
			name: "pretty-printed statements start past the bracket, then past the previous brace",
			doc:  "{\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"\n    },\n    {\n      \"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\"\n    }\n  ]\n}",
			want: [][2]Position{{{2, 17}, {5, 6}}, {{5, 6}, {8, 6}}},
		},
		{
			name: "CRLF line ends count as one line break",
			doc:  "{\r\n\"Statement\": [\r\n{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}\r\n]\r\n}",
			want: [][2]Position{{{2, 15}, {3, 55}}},
		},
		{
			name: "columns count characters, not bytes",
			doc:  "{\"Id\": \"\u00e9\u00e9\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}",
			typ:  policy.TypeResource,
			want: [][2]Position{{{1, 28}, {1, 100}}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy.MustParse(c.doc, c.typ)
			if len(p.Statements) != len(c.want) {
				t.Fatalf("%d statements, want %d", len(p.Statements), len(c.want))
			}
			for i, st := range p.Statements {
				start, end := statementPositions(st)
				if start != c.want[i][0] || end != c.want[i][1] {
					t.Errorf("statement %d: %v-%v, want %v-%v", i, start, end, c.want[i][0], c.want[i][1])
				}
			}
		})
	}
}
