// Independent reader for the documents the library writes: decodes each case with Go's YAML and TOML libraries
// (the ones Deckhouse, docker_auth, distribution and containerd read them with) and reports every case whose
// decoded value differs from the value the library meant.
//
//	go-reader <cases.json>
//
// cases.json: {"cases": [{"id": "...", "format": "yaml" | "toml" | "bashible", "text": "...", "expected": <JSON>}]}
//
//	yaml      gopkg.in/yaml.v2 and gopkg.in/yaml.v3, each into interface{}
//	toml      github.com/pelletier/go-toml (v1, containerd 1.x) and github.com/pelletier/go-toml/v2
//	bashible  the above yaml decoders, plus the way bashible-apiserver decodes registry-bashible-config:
//	          sigs.k8s.io/yaml, i.e. yaml.v2 into interface{}, numbers and booleans in string fields turned into
//	          strings, JSON, then encoding/json into a struct whose fields are strings
//
// Prints {"cases": n, "decoders": [...], "mismatches": [{"id", "decoder", "problem"}]} and exits 0 when it could
// read its input, whatever it found; 2 when it could not.
//
// Built offline in GOPATH mode against Debian's golang-gopkg-yaml.v2-dev, golang-gopkg-yaml.v3-dev,
// golang-github-pelletier-go-toml-dev and golang-github-pelletier-go-toml.v2-dev (under /usr/share/gocode/src).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	toml1 "github.com/pelletier/go-toml"
	toml2 "github.com/pelletier/go-toml/v2"
	yaml2 "gopkg.in/yaml.v2"
	yaml3 "gopkg.in/yaml.v3"
)

type testCase struct {
	ID       string          `json:"id"`
	Format   string          `json:"format"`
	Text     string          `json:"text"`
	Expected json.RawMessage `json:"expected"`
}

type mismatch struct {
	ID      string `json:"id"`
	Decoder string `json:"decoder"`
	Problem string `json:"problem"`
}

type report struct {
	Cases      int        `json:"cases"`
	Decoders   []string   `json:"decoders"`
	Mismatches []mismatch `json:"mismatches"`
}

type decoder struct {
	name   string
	decode func(text string) (interface{}, error)
}

var yamlDecoders = []decoder{
	{"yaml.v2", func(text string) (interface{}, error) {
		var v interface{}
		err := yaml2.Unmarshal([]byte(text), &v)
		return v, err
	}},
	{"yaml.v3", func(text string) (interface{}, error) {
		var v interface{}
		err := yaml3.Unmarshal([]byte(text), &v)
		return v, err
	}},
}

var tomlDecoders = []decoder{
	{"go-toml", func(text string) (interface{}, error) {
		tree, err := toml1.LoadBytes([]byte(text))
		if err != nil {
			return nil, err
		}
		return tree.ToMap(), nil
	}},
	{"go-toml.v2", func(text string) (interface{}, error) {
		var v map[string]interface{}
		err := toml2.Unmarshal([]byte(text), &v)
		return v, err
	}},
}

var bashibleDecoder = decoder{"bashible-apiserver", decodeBashible}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-reader <cases.json>")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var input struct {
		Cases []testCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &input); err != nil {
		fmt.Fprintln(os.Stderr, "cases.json:", err)
		os.Exit(2)
	}
	out := report{Cases: len(input.Cases), Mismatches: []mismatch{}}
	for _, d := range append(append(append([]decoder{}, yamlDecoders...), tomlDecoders...), bashibleDecoder) {
		out.Decoders = append(out.Decoders, d.name)
	}
	for _, c := range input.Cases {
		expected, err := decodeExpected(c.Expected)
		if err != nil {
			fmt.Fprintf(os.Stderr, "case %s: expected: %v\n", c.ID, err)
			os.Exit(2)
		}
		var decoders []decoder
		switch c.Format {
		case "yaml":
			decoders = yamlDecoders
		case "bashible":
			decoders = append(append([]decoder{}, yamlDecoders...), bashibleDecoder)
		case "toml":
			decoders = tomlDecoders
		default:
			fmt.Fprintf(os.Stderr, "case %s: unknown format %q\n", c.ID, c.Format)
			os.Exit(2)
		}
		for _, d := range decoders {
			if problem := check(d, c.Text, expected); problem != "" {
				out.Mismatches = append(out.Mismatches, mismatch{ID: c.ID, Decoder: d.name, Problem: problem})
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func decodeExpected(raw json.RawMessage) (interface{}, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	err := d.Decode(&v)
	return v, err
}

// check decodes text and returns "" when the value equals expected, or what differs.
func check(d decoder, text string, expected interface{}) (problem string) {
	defer func() {
		if r := recover(); r != nil {
			problem = fmt.Sprintf("decoder panicked: %v", r)
		}
	}()
	got, err := d.decode(text)
	if err != nil {
		return "decode failed: " + err.Error()
	}
	return compare("$", expected, got)
}

// compare walks expected (from JSON: map[string]interface{}, []interface{}, string, json.Number, bool, nil)
// against whatever a decoder produced, and names the first difference by its path.
func compare(path string, expected, got interface{}) string {
	switch e := expected.(type) {
	case string:
		if g, ok := got.(string); ok {
			if g == e {
				return ""
			}
			return fmt.Sprintf("%s: expected the string %s, got the string %s", path, quote(e), quote(g))
		}
		return fmt.Sprintf("%s: expected the string %s, got %s", path, quote(e), describe(got))
	case json.Number:
		if n, ok := numberOf(got); ok {
			want, err := strconv.ParseFloat(e.String(), 64)
			if err == nil && want == n {
				return ""
			}
		}
		return fmt.Sprintf("%s: expected the number %s, got %s", path, e.String(), describe(got))
	case bool:
		if g, ok := got.(bool); ok && g == e {
			return ""
		}
		return fmt.Sprintf("%s: expected %t, got %s", path, e, describe(got))
	case nil:
		if got == nil {
			return ""
		}
		return fmt.Sprintf("%s: expected null, got %s", path, describe(got))
	case []interface{}:
		g := reflect.ValueOf(got)
		if got == nil || g.Kind() != reflect.Slice {
			return fmt.Sprintf("%s: expected a list of %d item(s), got %s", path, len(e), describe(got))
		}
		if g.Len() != len(e) {
			return fmt.Sprintf("%s: expected a list of %d item(s), got %d", path, len(e), g.Len())
		}
		for i := range e {
			if p := compare(fmt.Sprintf("%s[%d]", path, i), e[i], g.Index(i).Interface()); p != "" {
				return p
			}
		}
		return ""
	case map[string]interface{}:
		g := reflect.ValueOf(got)
		if got == nil || g.Kind() != reflect.Map {
			return fmt.Sprintf("%s: expected a mapping, got %s", path, describe(got))
		}
		gotKeys := map[string]interface{}{}
		for _, k := range g.MapKeys() {
			ks, ok := k.Interface().(string)
			if !ok {
				return fmt.Sprintf("%s: a key decoded as %s, not as a string", path, describe(k.Interface()))
			}
			gotKeys[ks] = g.MapIndex(k).Interface()
		}
		for _, k := range sortedKeys(e) {
			v, ok := gotKeys[k]
			if !ok {
				return fmt.Sprintf("%s: key %s is missing (keys: %s)", path, quote(k), quote(strings.Join(sortedKeys(gotKeys), ", ")))
			}
			if p := compare(path+"."+k, e[k], v); p != "" {
				return p
			}
		}
		for _, k := range sortedKeys(gotKeys) {
			if _, ok := e[k]; !ok {
				return fmt.Sprintf("%s: unexpected key %s", path, quote(k))
			}
		}
		return ""
	}
	return fmt.Sprintf("%s: cannot compare with expected value of type %T", path, expected)
}

func numberOf(v interface{}) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func describe(v interface{}) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + quote(x)
	case time.Time:
		return "the timestamp " + x.Format(time.RFC3339Nano)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		return fmt.Sprintf("a mapping (%T)", v)
	case reflect.Slice:
		return fmt.Sprintf("a list of %d item(s)", rv.Len())
	}
	return fmt.Sprintf("the %T %v", v, v)
}

func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strconv.QuoteToASCII(s)
}

func sortedKeys(m map[string]interface{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ---- registry-bashible-config as bashible-apiserver reads it ----

// The bashible config model: every leaf a string (errata §4, §12). No omitempty: this program reads, and a field
// the document has must come back out of the struct whatever its value.
type bashibleConfig struct {
	Mode           string                  `json:"mode"`
	Version        string                  `json:"version"`
	ImagesBase     string                  `json:"imagesBase"`
	ProxyEndpoints []string                `json:"proxyEndpoints"`
	Hosts          map[string]bashibleHost `json:"hosts"`
}

type bashibleHost struct {
	Mirrors []bashibleMirror `json:"mirrors"`
}

type bashibleMirror struct {
	Host     string            `json:"host"`
	Scheme   string            `json:"scheme"`
	CA       string            `json:"ca"`
	Auth     bashibleAuth      `json:"auth"`
	Rewrites []bashibleRewrite `json:"rewrites"`
}

type bashibleAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

type bashibleRewrite struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// decodeBashible: yaml.v2 into interface{}; map keys to strings; a number or boolean where the struct has a string
// field becomes that string (as sigs.k8s.io/yaml does before JSON); JSON; encoding/json into the struct, unknown
// fields refused. The struct is then turned back into a plain value for comparison, keeping only the keys the
// document had (the struct adds zero values for absent fields, which are not what this reader checks).
func decodeBashible(text string) (interface{}, error) {
	var doc interface{}
	if err := yaml2.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	jsonable, err := jsonableFor(doc, reflect.TypeOf(bashibleConfig{}))
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(jsonable)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cfg bashibleConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("failed to parse registry bashible config: %v", err)
	}
	typed, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	var back interface{}
	if err := json.Unmarshal(typed, &back); err != nil {
		return nil, err
	}
	return keepKeysOf(back, jsonable), nil
}

// jsonableFor converts a yaml.v2 value for a Go target type t: map keys become strings, and scalars at string
// fields become strings the way sigs.k8s.io/yaml formats them (integers in base 10, floats with %g at 32-bit
// precision, booleans as true/false); null stays null.
func jsonableFor(v interface{}, t reflect.Type) (interface{}, error) {
	switch x := v.(type) {
	case map[interface{}]interface{}:
		out := map[string]interface{}{}
		for k, item := range x {
			key, err := keyString(k)
			if err != nil {
				return nil, err
			}
			out[key], err = jsonableFor(item, fieldType(t, key))
			if err != nil {
				return nil, err
			}
		}
		return out, nil
	case []interface{}:
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			elem = t.Elem()
		}
		out := make([]interface{}, len(x))
		for i, item := range x {
			var err error
			if out[i], err = jsonableFor(item, elem); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if t != nil && t.Kind() == reflect.String {
		if s, ok := scalarString(v); ok {
			return s, nil
		}
	}
	return v, nil
}

// scalarString formats a yaml.v2 number or boolean the way sigs.k8s.io/yaml does (see jsonableFor).
func scalarString(v interface{}) (string, bool) {
	switch x := v.(type) {
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 32), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func keyString(k interface{}) (string, error) {
	if x, ok := k.(string); ok {
		return x, nil
	}
	if s, ok := scalarString(k); ok {
		return s, nil
	}
	return "", fmt.Errorf("unsupported map key of type %T", k)
}

// fieldType is the type a JSON key decodes into: the struct field with that json name, or a map's element type.
func fieldType(t reflect.Type, key string) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if name == key || strings.EqualFold(name, key) {
				return t.Field(i).Type
			}
		}
	}
	return nil
}

// keepKeysOf drops from v the mapping keys that shape does not have (recursively), so that a struct's zero values
// for absent fields do not count as differences.
func keepKeysOf(v, shape interface{}) interface{} {
	switch s := shape.(type) {
	case map[string]interface{}:
		m, ok := v.(map[string]interface{})
		if !ok {
			return v
		}
		out := map[string]interface{}{}
		for k, item := range m {
			if sub, present := s[k]; present {
				out[k] = keepKeysOf(item, sub)
			}
		}
		return out
	case []interface{}:
		l, ok := v.([]interface{})
		if !ok || len(l) != len(s) {
			return v
		}
		out := make([]interface{}, len(l))
		for i := range l {
			out[i] = keepKeysOf(l[i], s[i])
		}
		return out
	}
	return v
}
