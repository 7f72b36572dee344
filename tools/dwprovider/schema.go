package main

// Loading: schema.json (the `terraform providers schema -json` document) becomes the
// protocol-v5 schemas, and schema.meta.json becomes the value rules validate.go enforces.
// Everything is generic: no resource is named in Go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// --- schema.json, as Terraform prints it -------------------------------------------------

type jsonSchemaDoc struct {
	ProviderSchemas map[string]struct {
		Provider          jsonSchema            `json:"provider"`
		ResourceSchemas   map[string]jsonSchema `json:"resource_schemas"`
		DataSourceSchemas map[string]jsonSchema `json:"data_source_schemas"`
	} `json:"provider_schemas"`
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
	NestedType      json.RawMessage `json:"nested_type"`
	Description     string          `json:"description"`
	DescriptionKind string          `json:"description_kind"`
	Required        bool            `json:"required"`
	Optional        bool            `json:"optional"`
	Computed        bool            `json:"computed"`
	Sensitive       bool            `json:"sensitive"`
	Deprecated      bool            `json:"deprecated"`
	WriteOnly       bool            `json:"write_only"`
}

type jsonBlockType struct {
	NestingMode string    `json:"nesting_mode"`
	Block       jsonBlock `json:"block"`
	MinItems    int64     `json:"min_items"`
	MaxItems    int64     `json:"max_items"`
}

// --- schema.meta.json: per-attribute facts the schema format cannot hold -----------------

// rule is one attribute's entry. default and force_new are plan-time facts and are not
// checked here; a nested block's entry holds its attributes' rules under "block".
type rule struct {
	Allowed []any           `json:"allowed"`
	Min     *json.Number    `json:"min"`
	Max     *json.Number    `json:"max"`
	Block   map[string]rule `json:"block"`
}

type metaDoc struct {
	Provider          map[string]rule            `json:"provider"`
	ResourceSchemas   map[string]map[string]rule `json:"resource_schemas"`
	DataSourceSchemas map[string]map[string]rule `json:"data_source_schemas"`
}

// --- the loaded provider definition ------------------------------------------------------

type definition struct {
	provider    *tfprotov5.Schema
	resources   map[string]*tfprotov5.Schema
	dataSources map[string]*tfprotov5.Schema
	meta        metaDoc
}

func load(schemaJSON, metaJSON []byte, address string) (*definition, error) {
	var doc jsonSchemaDoc
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	ps, ok := doc.ProviderSchemas[address]
	if !ok {
		return nil, fmt.Errorf("schema.json has no provider_schemas[%q]", address)
	}
	d := &definition{resources: map[string]*tfprotov5.Schema{}, dataSources: map[string]*tfprotov5.Schema{}}
	var err error
	if d.provider, err = convertSchema(ps.Provider); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	for name, s := range ps.ResourceSchemas {
		if d.resources[name], err = convertSchema(s); err != nil {
			return nil, fmt.Errorf("resource %s: %w", name, err)
		}
	}
	for name, s := range ps.DataSourceSchemas {
		if d.dataSources[name], err = convertSchema(s); err != nil {
			return nil, fmt.Errorf("data source %s: %w", name, err)
		}
	}
	// UseNumber keeps min/max/allowed numbers exact (decoded as json.Number, not float64).
	dec := json.NewDecoder(bytes.NewReader(metaJSON))
	dec.UseNumber()
	if err := dec.Decode(&d.meta); err != nil {
		return nil, fmt.Errorf("schema.meta.json: %w", err)
	}
	return d, nil
}

func convertSchema(s jsonSchema) (*tfprotov5.Schema, error) {
	b, err := convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	b.Version = s.Version
	return &tfprotov5.Schema{Version: s.Version, Block: b}, nil
}

func convertBlock(j jsonBlock) (*tfprotov5.SchemaBlock, error) {
	b := &tfprotov5.SchemaBlock{
		Description:     j.Description,
		DescriptionKind: stringKind(j.DescriptionKind),
		Deprecated:      j.Deprecated,
	}
	for _, name := range sortedKeys(j.Attributes) {
		a := j.Attributes[name]
		if len(a.Type) == 0 {
			// nested_type (protocol-6 nested attributes) has no protocol-5 form.
			return nil, fmt.Errorf("attribute %s has no type (nested_type is not supported)", name)
		}
		// ParseJSONType reads exactly the type notation Terraform prints ("string",
		// ["list","string"], ["object",{...}], ...). It is marked for internal use, but it is
		// the library's own parser of this notation and the version is pinned in go.mod.
		typ, err := tftypes.ParseJSONType(a.Type) //nolint:staticcheck
		if err != nil {
			return nil, fmt.Errorf("attribute %s: type %s: %w", name, a.Type, err)
		}
		b.Attributes = append(b.Attributes, &tfprotov5.SchemaAttribute{
			Name:            name,
			Type:            typ,
			Description:     a.Description,
			DescriptionKind: stringKind(a.DescriptionKind),
			Required:        a.Required,
			Optional:        a.Optional,
			Computed:        a.Computed,
			Sensitive:       a.Sensitive,
			Deprecated:      a.Deprecated,
			WriteOnly:       a.WriteOnly,
		})
	}
	for _, name := range sortedKeys(j.BlockTypes) {
		bt := j.BlockTypes[name]
		nested, err := convertBlock(bt.Block)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		mode, ok := nestingModes[bt.NestingMode]
		if !ok {
			return nil, fmt.Errorf("block %s: unknown nesting_mode %q", name, bt.NestingMode)
		}
		b.BlockTypes = append(b.BlockTypes, &tfprotov5.SchemaNestedBlock{
			TypeName: name,
			Block:    nested,
			Nesting:  mode,
			MinItems: bt.MinItems,
			MaxItems: bt.MaxItems,
		})
	}
	return b, nil
}

var nestingModes = map[string]tfprotov5.SchemaNestedBlockNestingMode{
	"single": tfprotov5.SchemaNestedBlockNestingModeSingle,
	"list":   tfprotov5.SchemaNestedBlockNestingModeList,
	"set":    tfprotov5.SchemaNestedBlockNestingModeSet,
	"map":    tfprotov5.SchemaNestedBlockNestingModeMap,
	"group":  tfprotov5.SchemaNestedBlockNestingModeGroup,
}

func stringKind(s string) tfprotov5.StringKind {
	if s == "markdown" {
		return tfprotov5.StringKindMarkdown
	}
	return tfprotov5.StringKindPlain
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
