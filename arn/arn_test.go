package arn

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     ARN
		ok       bool
	}{
		{"s3 bucket has no region or account", "arn:aws:s3:::bucket/key", ARN{"aws", "s3", "", "", "bucket/key"}, true},
		{"resource part keeps its colons", "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s",
			ARN{"aws", "logs", "us-east-1", "111122223333", "log-group:g:log-stream:s"}, true},
		{"iam user", "arn:aws:iam::111122223333:user/a/b", ARN{"aws", "iam", "", "111122223333", "user/a/b"}, true},
		{"too few parts", "arn:aws:s3", ARN{}, false},
		{"not an arn", "*", ARN{}, false},
		{"prefix is case-sensitive", "ARN:aws:s3:::b", ARN{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("Parse(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if tt.ok && got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestAccountRoot(t *testing.T) {
	if got := AccountRoot("111122223333"); got != "arn:aws:iam::111122223333:root" {
		t.Fatal(got)
	}
}
