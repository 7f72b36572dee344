package main

// Loading: schema.json (the `terraform providers schema -json` document with one provider)
// becomes the protocol-6 schemas and functions, and schema.meta.json (optional) becomes the
// value rules validate.go enforces. Everything is generic: no provider or resource is named in Go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// --- schema.json, as Terraform prints it -------------------------------------------------

type jsonSchemaDoc struct {
	ProviderSchemas map[string]jsonProviderSchema `json:"provider_schemas"`
}

type jsonProviderSchema struct {
	Provider                 jsonSchema              `json:"provider"`
	ResourceSchemas          map[string]jsonSchema   `json:"resource_schemas"`
	DataSourceSchemas        map[string]jsonSchema   `json:"data_source_schemas"`
	EphemeralResourceSchemas map[string]jsonSchema   `json:"ephemeral_resource_schemas"`
	Functions                map[string]jsonFunction `json:"functions"`
}

type jsonSchema struct {
	Version int64     `json:"version"`
	Block   jsonBlock `json:"block"`
}

type jsonBlock struct {
	Attributes      map[string]jsonAttribute `json:"attributes"`
	BlockTypes      map[string]jsonBlockType `json:"block_types"`
	Description     string                   `json:"description"`
	DescriptionKind string                   `json:"description_kind"`
	Deprecated      bool                     `json:"deprecated"`
}

type jsonAttribute struct {
	Type            json.RawMessage `json:"type"`
	NestedType      *jsonNestedType `json:"nested_type"`
	Description     string          `json:"description"`
	DescriptionKind string          `json:"description_kind"`
	Required        bool            `json:"required"`
	Optional        bool            `json:"optional"`
	Computed        bool            `json:"computed"`
	Sensitive       bool            `json:"sensitive"`
	Deprecated      bool            `json:"deprecated"`
	WriteOnly       bool            `json:"write_only"`
}

// jsonNestedType is a nested attribute's object type (plugin protocol 6).
type jsonNestedType struct {
	Attributes  map[string]jsonAttribute `json:"attributes"`
	NestingMode string                   `json:"nesting_mode"`
	MinItems    int64                    `json:"min_items"`
	MaxItems    int64                    `json:"max_items"`
}

type jsonFunction struct {
	Summary            string                  `json:"summary"`
	Description        string                  `json:"description"`
	DescriptionKind    string                  `json:"description_kind"`
	DeprecationMessage string                  `json:"deprecation_message"`
	ReturnType         json.RawMessage         `json:"return_type"`
	Parameters         []jsonFunctionParameter `json:"parameters"`
	VariadicParameter  *jsonFunctionParameter  `json:"variadic_parameter"`
}

type jsonFunctionParameter struct {
	Name            string          `json:"name"`
	Description     string          `json:"description"`
	DescriptionKind string          `json:"description_kind"`
	IsNullable      bool            `json:"is_nullable"`
	Type            json.RawMessage `json:"type"`
}

type jsonBlockType struct {
	NestingMode string    `json:"nesting_mode"`
	Block       jsonBlock `json:"block"`
	MinItems    int64     `json:"min_items"`
	MaxItems    int64     `json:"max_items"`
}

// --- schema.meta.json: per-attribute facts the schema format cannot hold -----------------

// rule is one attribute's entry. allowed/min/max are checked by validate.go; default and
// force_new are plan-time facts used by plan.go (def is `default` converted to the attribute's
// type at load time, so a default that does not fit fails `-check`, i.e. the build). The entry
// of a nested block or nested attribute holds the rules of its attributes under "block".
type rule struct {
	Allowed  []any           `json:"allowed"`
	Min      *json.Number    `json:"min"`
	Max      *json.Number    `json:"max"`
	Default  json.RawMessage `json:"default"`
	ForceNew bool            `json:"force_new"`
	Block    map[string]rule `json:"block"`

	def *tftypes.Value // Default, typed; nil when there is none
}

type metaDoc struct {
	Provider                 map[string]rule            `json:"provider"`
	ResourceSchemas          map[string]map[string]rule `json:"resource_schemas"`
	DataSourceSchemas        map[string]map[string]rule `json:"data_source_schemas"`
	EphemeralResourceSchemas map[string]map[string]rule `json:"ephemeral_resource_schemas"`
}

// --- the loaded provider definition ------------------------------------------------------

// typeDef is one configurable thing (the provider block, a resource, a data source or an
// ephemeral resource): its protocol schema, its meta rules and its nested-attribute item limits.
type typeDef struct {
	schema *tfprotov6.Schema
	rules  map[string]rule
	limits map[string]*limits
}

// limits are min_items/max_items of a nested attribute (nested_type), which protocol 6 cannot
// carry, so validate.go enforces them. nested holds the limits further down (inside nested
// attributes or nested blocks); a node exists only where some limit is set at or below it.
type limits struct {
	min, max int64
	nested   map[string]*limits
}

type definition struct {
	address     string // e.g. registry.terraform.io/hashicorp/helm
	provider    *typeDef
	resources   map[string]*typeDef
	dataSources map[string]*typeDef
	ephemeral   map[string]*typeDef
	functions   map[string]*tfprotov6.Function
	ruleCount   int // meta rules with allowed/min/max, nested ones included
	limitCount  int // nested attributes with min_items/max_items
	planCount   int // meta rules with a default or force_new, nested ones included
}

// load converts the embedded schema document and its meta sidecar. metaJSON may be empty or
// `{}`: then only the schema is enforced.
func load(schemaJSON, metaJSON []byte) (*definition, error) {
	var doc jsonSchemaDoc
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	if len(doc.ProviderSchemas) != 1 {
		return nil, fmt.Errorf("schema.json: provider_schemas must have exactly one entry, has %d: %v",
			len(doc.ProviderSchemas), sortedKeys(doc.ProviderSchemas))
	}
	d := &definition{functions: map[string]*tfprotov6.Function{}}
	var ps jsonProviderSchema
	for addr, p := range doc.ProviderSchemas {
		d.address, ps = addr, p
	}
	if strings.Count(d.address, "/") != 2 {
		return nil, fmt.Errorf("schema.json: provider address %q is not host/namespace/type", d.address)
	}
	var err error
	if d.provider, err = d.convertSchema(ps.Provider); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	if d.resources, err = d.convertSchemas("resource", ps.ResourceSchemas); err != nil {
		return nil, err
	}
	if d.dataSources, err = d.convertSchemas("data source", ps.DataSourceSchemas); err != nil {
		return nil, err
	}
	if d.ephemeral, err = d.convertSchemas("ephemeral resource", ps.EphemeralResourceSchemas); err != nil {
		return nil, err
	}
	for name, f := range ps.Functions {
		if d.functions[name], err = convertFunction(f); err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
	}

	var meta metaDoc
	if len(bytes.TrimSpace(metaJSON)) > 0 {
		// UseNumber keeps min/max/allowed numbers exact (decoded as json.Number, not float64).
		dec := json.NewDecoder(bytes.NewReader(metaJSON))
		dec.UseNumber()
		if err := dec.Decode(&meta); err != nil {
			return nil, fmt.Errorf("schema.meta.json: %w", err)
		}
	}
	if err := d.compileRules("provider", d.provider.schema.Block, meta.Provider); err != nil {
		return nil, err
	}
	d.provider.rules = meta.Provider
	d.ruleCount = countRules(meta.Provider)
	for _, part := range []struct {
		kind  string
		defs  map[string]*typeDef
		rules map[string]map[string]rule
	}{
		{"resource_schemas", d.resources, meta.ResourceSchemas},
		{"data_source_schemas", d.dataSources, meta.DataSourceSchemas},
		{"ephemeral_resource_schemas", d.ephemeral, meta.EphemeralResourceSchemas},
	} {
		for name, rules := range part.rules {
			td, ok := part.defs[name]
			if !ok {
				return nil, fmt.Errorf("schema.meta.json: %s.%s is not in schema.json", part.kind, name)
			}
			if err := d.compileRules(part.kind+"."+name, td.schema.Block, rules); err != nil {
				return nil, err
			}
			td.rules = rules
			d.ruleCount += countRules(rules)
		}
	}
	return d, nil
}

// compileRules converts the `default`s of rules (and of the rules of nested blocks and nested
// attributes) to values of the attributes' schema types. A default or force_new for an attribute
// the schema lacks, or a default that does not fit the attribute's type, is an error: plan.go
// would otherwise silently ignore it. (allowed/min/max for a missing attribute stay harmless:
// there is nothing to check.)
func (d *definition) compileRules(where string, b *tfprotov6.SchemaBlock, rules map[string]rule) error {
	return d.compileShape(where, shapeOfBlock(b), rules)
}

func (d *definition) compileShape(where string, sh shape, rules map[string]rule) error {
	for _, name := range sortedKeys(rules) {
		r, at := rules[name], where+"."+name
		attr, nested := sh.attribute(name), sh.child(name)
		if attr == nil && nested == nil {
			if len(r.Default) > 0 || r.ForceNew {
				return fmt.Errorf("schema.meta.json: %s: default/force_new for an attribute or block the schema lacks", at)
			}
			continue
		}
		if len(r.Default) > 0 {
			if attr == nil {
				return fmt.Errorf("schema.meta.json: %s: a default for a nested block (only attributes take defaults)", at)
			}
			v, err := tftypes.ValueFromJSONWithOpts(r.Default, attr.ValueType(), tftypes.ValueFromJSONOpts{}) //nolint:staticcheck
			if err != nil {
				return fmt.Errorf("schema.meta.json: %s: default %s does not fit the type %s: %w",
					at, r.Default, attr.ValueType(), err)
			}
			r.def = &v
		}
		if len(r.Default) > 0 || r.ForceNew {
			d.planCount++
		}
		if r.Block != nil {
			if nested == nil {
				return fmt.Errorf("schema.meta.json: %s: \"block\" rules for an attribute that is not a nested block or nested attribute", at)
			}
			if err := d.compileShape(at, nested.shape, r.Block); err != nil {
				return err
			}
		}
		rules[name] = r
	}
	return nil
}

func (d *definition) convertSchemas(kind string, in map[string]jsonSchema) (map[string]*typeDef, error) {
	out := make(map[string]*typeDef, len(in))
	for name, s := range in {
		td, err := d.convertSchema(s)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", kind, name, err)
		}
		out[name] = td
	}
	return out, nil
}

func (d *definition) convertSchema(s jsonSchema) (*typeDef, error) {
	b, lims, err := d.convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	b.Version = s.Version
	return &typeDef{schema: &tfprotov6.Schema{Version: s.Version, Block: b}, limits: lims}, nil
}

func (d *definition) convertBlock(j jsonBlock) (*tfprotov6.SchemaBlock, map[string]*limits, error) {
	b := &tfprotov6.SchemaBlock{
		Description:     j.Description,
		DescriptionKind: stringKind(j.DescriptionKind),
		Deprecated:      j.Deprecated,
	}
	var lims map[string]*limits
	for _, name := range sortedKeys(j.Attributes) {
		attr, l, err := d.convertAttribute(name, j.Attributes[name])
		if err != nil {
			return nil, nil, err
		}
		b.Attributes = append(b.Attributes, attr)
		lims = addLimits(lims, name, l)
	}
	for _, name := range sortedKeys(j.BlockTypes) {
		bt := j.BlockTypes[name]
		nested, l, err := d.convertBlock(bt.Block)
		if err != nil {
			return nil, nil, fmt.Errorf("block %s: %w", name, err)
		}
		mode, ok := nestingModes[bt.NestingMode]
		if !ok {
			return nil, nil, fmt.Errorf("block %s: unknown nesting_mode %q", name, bt.NestingMode)
		}
		b.BlockTypes = append(b.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name,
			Block:    nested,
			Nesting:  mode,
			MinItems: bt.MinItems, // block item counts are checked by OpenTofu itself
			MaxItems: bt.MaxItems,
		})
		if l != nil {
			lims = addLimits(lims, name, &limits{nested: l})
		}
	}
	return b, lims, nil
}

// convertAttribute converts an attribute with either a type or a nested_type (a nested
// attribute, whose own attributes may again be nested).
func (d *definition) convertAttribute(name string, a jsonAttribute) (*tfprotov6.SchemaAttribute, *limits, error) {
	attr := &tfprotov6.SchemaAttribute{
		Name:            name,
		Description:     a.Description,
		DescriptionKind: stringKind(a.DescriptionKind),
		Required:        a.Required,
		Optional:        a.Optional,
		Computed:        a.Computed,
		Sensitive:       a.Sensitive,
		Deprecated:      a.Deprecated,
		WriteOnly:       a.WriteOnly,
	}
	switch {
	case len(a.Type) > 0 && a.NestedType != nil:
		return nil, nil, fmt.Errorf("attribute %s has both type and nested_type", name)
	case a.NestedType != nil:
		nt := a.NestedType
		mode, ok := objectNestingModes[nt.NestingMode]
		if !ok {
			return nil, nil, fmt.Errorf("attribute %s: unknown nested_type nesting_mode %q", name, nt.NestingMode)
		}
		attr.NestedType = &tfprotov6.SchemaObject{Nesting: mode}
		var children map[string]*limits
		for _, child := range sortedKeys(nt.Attributes) {
			c, l, err := d.convertAttribute(child, nt.Attributes[child])
			if err != nil {
				return nil, nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			attr.NestedType.Attributes = append(attr.NestedType.Attributes, c)
			children = addLimits(children, child, l)
		}
		if nt.MinItems > 0 || nt.MaxItems > 0 {
			d.limitCount++
		}
		if nt.MinItems > 0 || nt.MaxItems > 0 || children != nil {
			return attr, &limits{min: nt.MinItems, max: nt.MaxItems, nested: children}, nil
		}
		return attr, nil, nil
	case len(a.Type) > 0:
		// ParseJSONType reads exactly the type notation Terraform prints ("string",
		// ["list","string"], ["object",{...}], "dynamic", ...). It is marked for internal use,
		// but it is the library's own parser of this notation and the version is pinned.
		typ, err := tftypes.ParseJSONType(a.Type) //nolint:staticcheck
		if err != nil {
			return nil, nil, fmt.Errorf("attribute %s: type %s: %w", name, a.Type, err)
		}
		attr.Type = typ
		return attr, nil, nil
	default:
		return nil, nil, fmt.Errorf("attribute %s has neither type nor nested_type", name)
	}
}

func addLimits(m map[string]*limits, name string, l *limits) map[string]*limits {
	if l == nil {
		return m
	}
	if m == nil {
		m = map[string]*limits{}
	}
	m[name] = l
	return m
}

func convertFunction(f jsonFunction) (*tfprotov6.Function, error) {
	ret, err := tftypes.ParseJSONType(f.ReturnType) //nolint:staticcheck
	if err != nil {
		return nil, fmt.Errorf("return_type %s: %w", f.ReturnType, err)
	}
	out := &tfprotov6.Function{
		Summary:            f.Summary,
		Description:        f.Description,
		DescriptionKind:    stringKind(f.DescriptionKind),
		DeprecationMessage: f.DeprecationMessage,
		Return:             &tfprotov6.FunctionReturn{Type: ret},
		Parameters:         []*tfprotov6.FunctionParameter{},
	}
	param := func(p jsonFunctionParameter) (*tfprotov6.FunctionParameter, error) {
		typ, err := tftypes.ParseJSONType(p.Type) //nolint:staticcheck
		if err != nil {
			return nil, fmt.Errorf("parameter %s: type %s: %w", p.Name, p.Type, err)
		}
		return &tfprotov6.FunctionParameter{
			Name:            p.Name,
			Type:            typ,
			AllowNullValue:  p.IsNullable,
			Description:     p.Description,
			DescriptionKind: stringKind(p.DescriptionKind),
		}, nil
	}
	for _, p := range f.Parameters {
		fp, err := param(p)
		if err != nil {
			return nil, err
		}
		out.Parameters = append(out.Parameters, fp)
	}
	if f.VariadicParameter != nil {
		if out.VariadicParameter, err = param(*f.VariadicParameter); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func countRules(rules map[string]rule) int {
	n := 0
	for _, r := range rules {
		if len(r.Allowed) > 0 || r.Min != nil || r.Max != nil {
			n++
		}
		n += countRules(r.Block)
	}
	return n
}

func schemasOf(defs map[string]*typeDef) map[string]*tfprotov6.Schema {
	out := make(map[string]*tfprotov6.Schema, len(defs))
	for name, td := range defs {
		out[name] = td.schema
	}
	return out
}

var nestingModes = map[string]tfprotov6.SchemaNestedBlockNestingMode{
	"single": tfprotov6.SchemaNestedBlockNestingModeSingle,
	"list":   tfprotov6.SchemaNestedBlockNestingModeList,
	"set":    tfprotov6.SchemaNestedBlockNestingModeSet,
	"map":    tfprotov6.SchemaNestedBlockNestingModeMap,
	"group":  tfprotov6.SchemaNestedBlockNestingModeGroup,
}

var objectNestingModes = map[string]tfprotov6.SchemaObjectNestingMode{
	"single": tfprotov6.SchemaObjectNestingModeSingle,
	"list":   tfprotov6.SchemaObjectNestingModeList,
	"set":    tfprotov6.SchemaObjectNestingModeSet,
	"map":    tfprotov6.SchemaObjectNestingModeMap,
}

func stringKind(s string) tfprotov6.StringKind {
	if s == "markdown" {
		return tfprotov6.StringKindMarkdown
	}
	return tfprotov6.StringKindPlain
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
