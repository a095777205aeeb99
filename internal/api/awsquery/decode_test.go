package awsquery

import (
	"errors"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	iam "github.com/iamd-dev/iamd/internal/apitypes/iam"
	sts "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// kitchen is a test shape using every tag form the generator writes.
type kitchen struct {
	Name     *string           `query:"Name"`
	Count    *int32            `query:"Count"`
	Big      int64             `query:"Big"`
	Enabled  *bool             `query:"Enabled"`
	Ratio    *float64          `query:"Ratio"`
	When     *time.Time        `query:"When"`
	Data     []byte            `query:"Data"`
	Nested   *kitchenInner     `query:"Nested"`
	Items    []string          `query:"Items.member"`
	Structs  []kitchenInner    `query:"Structs.member"`
	Flat     []string          `query:"Flat"`
	Attrs    map[string]string `query:"Attrs.entry"`
	Counts   map[string]int32  `query:"Counts.entry,key=Name,value=Number"`
	Renamed  []string          `query:"Renamed.item"`
	Ignored  string            `query:"-"`
	internal string
}

type kitchenInner struct {
	Key   string        `query:"Key"`
	Value *string       `query:"Value"`
	Deep  *kitchenInner `query:"Deep"`
}

func form(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestDecodeFillsMembers(t *testing.T) {
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		form string
		want kitchen
	}{
		{"scalars", "Name=bob&Count=42&Big=-9000000000&Enabled=true&Ratio=0.5",
			kitchen{Name: ptr("bob"), Count: ptr(int32(42)), Big: -9000000000, Enabled: ptr(true), Ratio: ptr(0.5)}},
		{"booleans ignore case", "Enabled=FALSE", kitchen{Enabled: ptr(false)}},
		{"empty string is a value", "Name=", kitchen{Name: ptr("")}},
		{"timestamp in UTC", "When=2024-05-01T12:00:00Z", kitchen{When: &when}},
		{"timestamp with fraction and zone", "When=2024-05-01T14:00:00.000%2B02:00", kitchen{When: &when}},
		{"timestamp without zone is UTC", "When=2024-05-01T12:00:00", kitchen{When: &when}},
		{"blob in base64", "Data=aGk%3D", kitchen{Data: []byte("hi")}},
		{"nested structure", "Nested.Key=k&Nested.Deep.Key=d",
			kitchen{Nested: &kitchenInner{Key: "k", Deep: &kitchenInner{Key: "d"}}}},
		{"list in index order", "Items.member.2=b&Items.member.1=a&Items.member.3=c",
			kitchen{Items: []string{"a", "b", "c"}}},
		{"list indices sort numerically", "Items.member.10=ten&Items.member.9=nine&Items.member.1=one",
			kitchen{Items: []string{"one", "nine", "ten"}}},
		{"list gaps close up", "Items.member.1=a&Items.member.5=e",
			kitchen{Items: []string{"a", "e"}}},
		{"empty list", "Items=", kitchen{Items: []string{}}},
		{"list of structures", "Structs.member.2.Key=b&Structs.member.1.Key=a&Structs.member.1.Value=1",
			kitchen{Structs: []kitchenInner{{Key: "a", Value: ptr("1")}, {Key: "b"}}}},
		{"flattened list", "Flat.2=y&Flat.1=x", kitchen{Flat: []string{"x", "y"}}},
		{"renamed list element", "Renamed.item.1=r", kitchen{Renamed: []string{"r"}}},
		{"map", "Attrs.entry.1.key=a&Attrs.entry.1.value=1&Attrs.entry.2.key=b&Attrs.entry.2.value=2",
			kitchen{Attrs: map[string]string{"a": "1", "b": "2"}}},
		{"map with renamed key and value", "Counts.entry.1.Name=x&Counts.entry.1.Number=7",
			kitchen{Counts: map[string]int32{"x": 7}}},
		{"unknown parameters are ignored", "Action=Foo&Version=1&Bogus=1&Nested.Bogus=2", kitchen{}},
		{"untagged and dash-tagged fields are not filled", "Ignored=x&internal=y", kitchen{}},
		{"first of repeated values wins", "Name=a&Name=b", kitchen{Name: ptr("a")}},
	}
	var c Codec
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got kitchen
			if err := c.Decode(form(tc.form), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDecodeRejectsUnreadableValues(t *testing.T) {
	cases := []struct {
		name, form, param string
	}{
		{"integer that is not a number", "Count=abc", "Count"},
		{"integer out of int32 range", "Count=2147483648", "Count"},
		{"boolean that is not true or false", "Enabled=yes", "Enabled"},
		{"timestamp that is not ISO 8601", "When=yesterday", "When"},
		{"blob that is not base64", "Data=!!", "Data"},
		{"list index that is not a number", "Items.member.x=a", "Items.member.x"},
		{"list index zero", "Items.member.0=a", "Items.member.0"},
		{"list index given twice", "Items.member.1=a&Items.member.01=b", "Items.member"},
		{"scalar given sub-keys", "Name.1=alice", "Name"},
		{"bad number in a list of structures", "Structs.member.1.Deep.Key.x=1", "Structs.member.1.Deep.Key"},
		{"map entry without key", "Attrs.entry.1.value=v", "Attrs.entry.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got kitchen
			err := Decode(form(tc.form), &got)
			var qe *awserr.Error
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v, want *awserr.Error", err)
			}
			var pe *ParamError
			if qe.Code != CodeMalformedInput || qe.HTTPStatus != 400 || !errors.As(err, &pe) || pe.Param != tc.param {
				t.Errorf("err = %+v, want MalformedInput 400 at %s", qe, tc.param)
			}
		})
	}
}

func TestDecodeNeedsPointerToStruct(t *testing.T) {
	var k kitchen
	for _, v := range []any{nil, k, (*kitchen)(nil), new(int)} {
		if err := Decode(url.Values{}, v); err == nil {
			t.Errorf("Decode(%T) succeeded", v)
		}
	}
}

// TestDecodeGeneratedShapes: what botocore sends for real operations lands in the generated structs.
func TestDecodeGeneratedShapes(t *testing.T) {
	var create iam.CreateUserRequest
	err := Decode(form("Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2Fteam%2F"+
		"&Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=empty&Tags.member.2.Value="), &create)
	if err != nil {
		t.Fatal(err)
	}
	want := iam.CreateUserRequest{UserName: "bob", Path: ptr("/team/"), Tags: []iam.Tag{{Key: "env", Value: "prod"}, {Key: "empty"}}}
	if !reflect.DeepEqual(create, want) {
		t.Errorf("got %+v want %+v", create, want)
	}
	if err := create.Validate(); err != nil {
		t.Errorf("valid request fails: %v", err)
	}

	var assume sts.AssumeRoleRequest
	err = Decode(form("RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s&DurationSeconds=900"+
		"&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/ReadOnlyAccess&TransitiveTagKeys.member.1=k"), &assume)
	if err != nil {
		t.Fatal(err)
	}
	if assume.DurationSeconds == nil || *assume.DurationSeconds != 900 || len(assume.PolicyArns) != 1 ||
		assume.PolicyArns[0].Arn == nil || assume.TransitiveTagKeys[0] != "k" {
		t.Errorf("got %+v", assume)
	}
}

// TestCodecIsSafeForConcurrentUse: one Codec shared by many requests (go test -race).
func TestCodecIsSafeForConcurrentUse(t *testing.T) {
	var c Codec
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				var k kitchen
				if err := c.Decode(form("Structs.member.1.Key=a&Items.member.1=x"), &k); err != nil {
					t.Error(err)
					return
				}
				var b discard
				if err := c.EncodeResponse(&b, "ListUsers", iam.XMLNamespace, &iam.ListUsersResponse{}, "r"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
