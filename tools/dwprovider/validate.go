package main

// Value checks from schema.meta.json: `allowed`, `min` and `max`, and the min_items/max_items
// of nested attributes. OpenTofu has already checked names, types, required attributes and
// block counts against the schema before it calls the Validate* RPCs; this adds what the
// schema format (or protocol 6) cannot express. Unknown and null values pass: they are
// checked when (if) they become known.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// validateConfig decodes a config against its schema and checks it against the meta rules
// and the nested-attribute item limits. A panic while decoding becomes a diagnostic.
func validateConfig(td *typeDef, config *tfprotov6.DynamicValue) (diags []*tfprotov6.Diagnostic) {
	if td == nil || config == nil || (len(td.rules) == 0 && len(td.limits) == 0) {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			diags = append(diags, &tfprotov6.Diagnostic{
				Severity: tfprotov6.DiagnosticSeverityError,
				Summary:  "Cannot check configuration",
				Detail:   fmt.Sprintf("dwprovider failed while checking the configuration: %v", r),
			})
		}
	}()
	v, err := config.Unmarshal(td.schema.Block.ValueType())
	if err != nil {
		return []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "Cannot decode configuration",
			Detail:   err.Error(),
		}}
	}
	root := tftypes.NewAttributePath()
	diags = checkBlock(root, v, td.rules)
	return append(diags, checkLimits(root, v, td.limits)...)
}

// checkLimits enforces min_items/max_items of nested attributes, which protocol 6 cannot send
// to OpenTofu. Unknown and null values pass, as do sets with unknown elements (their final
// size is not known yet).
func checkLimits(path *tftypes.AttributePath, obj tftypes.Value, lims map[string]*limits) []*tfprotov6.Diagnostic {
	if len(lims) == 0 || !obj.IsKnown() || obj.IsNull() {
		return nil
	}
	var attrs map[string]tftypes.Value
	if err := obj.As(&attrs); err != nil {
		return []*tfprotov6.Diagnostic{decodeError(path, err)}
	}
	var diags []*tfprotov6.Diagnostic
	for _, name := range sortedKeys(lims) {
		v, ok := attrs[name]
		if !ok || !v.IsKnown() || v.IsNull() {
			continue
		}
		l, p := lims[name], path.WithAttributeName(name)
		elems, paths, err := elements(p, v)
		if err != nil {
			diags = append(diags, decodeError(p, err))
			continue
		}
		_, isObject := v.Type().(tftypes.Object)
		countable := !isObject && (!v.Type().Is(tftypes.Set{}) || v.IsFullyKnown())
		if countable && l.min > 0 && int64(len(elems)) < l.min {
			diags = append(diags, itemsError(p, "at least", l.min, len(elems)))
		}
		if countable && l.max > 0 && int64(len(elems)) > l.max {
			diags = append(diags, itemsError(p, "at most", l.max, len(elems)))
		}
		for i, e := range elems {
			diags = append(diags, checkLimits(paths[i], e, l.nested)...)
		}
	}
	return diags
}

func itemsError(path *tftypes.AttributePath, bound string, limit int64, got int) *tfprotov6.Diagnostic {
	name, items := pathText(path), "items"
	if limit == 1 {
		items = "item"
	}
	return &tfprotov6.Diagnostic{
		Severity:  tfprotov6.DiagnosticSeverityError,
		Summary:   fmt.Sprintf("Invalid number of items for %s", name),
		Detail:    fmt.Sprintf("%s must have %s %d %s, has %d.", name, bound, limit, items, got),
		Attribute: path,
	}
}

// checkBlock checks the attributes of one block value (an object) that have rules.
func checkBlock(path *tftypes.AttributePath, obj tftypes.Value, rules map[string]rule) []*tfprotov6.Diagnostic {
	if !obj.IsKnown() || obj.IsNull() {
		return nil
	}
	var attrs map[string]tftypes.Value
	if err := obj.As(&attrs); err != nil {
		return []*tfprotov6.Diagnostic{decodeError(path, err)}
	}
	var diags []*tfprotov6.Diagnostic
	for _, name := range sortedKeys(rules) {
		v, ok := attrs[name]
		if !ok {
			continue // a rule for an attribute the schema lacks: nothing to check
		}
		r, p := rules[name], path.WithAttributeName(name)
		if r.Block != nil {
			// A nested block or nested attribute: a list/set/map of objects, or one object
			// (single/group).
			elems, paths, err := elements(p, v)
			if err != nil {
				diags = append(diags, decodeError(p, err))
			}
			for i, e := range elems {
				diags = append(diags, checkBlock(paths[i], e, r.Block)...)
			}
			continue
		}
		diags = append(diags, checkValue(p, v, r)...)
	}
	return diags
}

// checkValue checks a primitive value, or each element of a collection of primitives.
func checkValue(path *tftypes.AttributePath, v tftypes.Value, r rule) []*tfprotov6.Diagnostic {
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	switch v.Type().(type) {
	case tftypes.List, tftypes.Set, tftypes.Map, tftypes.Tuple:
		elems, paths, err := elements(path, v)
		if err != nil {
			return []*tfprotov6.Diagnostic{decodeError(path, err)}
		}
		var diags []*tfprotov6.Diagnostic
		for i, e := range elems {
			diags = append(diags, checkValue(paths[i], e, r)...)
		}
		return diags
	}

	var problem string
	if len(r.Allowed) > 0 && !isAllowed(v, r.Allowed) {
		shown := make([]string, len(r.Allowed))
		for i, a := range r.Allowed {
			shown[i] = showAllowed(a)
		}
		problem = "is not allowed; allowed values: " + strings.Join(shown, ", ")
	}
	if v.Type().Is(tftypes.Number) && (r.Min != nil || r.Max != nil) {
		var n big.Float
		if err := v.As(&n); err != nil {
			return []*tfprotov6.Diagnostic{decodeError(path, err)}
		}
		if r.Min != nil && n.Cmp(parseNumber(*r.Min)) < 0 {
			problem = "is below the minimum " + r.Min.String() + " (allowed: " + rangeText(r) + ")"
		}
		if r.Max != nil && n.Cmp(parseNumber(*r.Max)) > 0 {
			problem = "is above the maximum " + r.Max.String() + " (allowed: " + rangeText(r) + ")"
		}
	}
	if problem == "" {
		return nil
	}
	name := pathText(path)
	return []*tfprotov6.Diagnostic{{
		Severity:  tfprotov6.DiagnosticSeverityError,
		Summary:   fmt.Sprintf("Invalid value for %s", name),
		Detail:    fmt.Sprintf("%s = %s %s.", name, showValue(v), problem),
		Attribute: path,
	}}
}

// elements returns the members of a collection (or the object itself for single nesting)
// with the attribute path of each.
func elements(path *tftypes.AttributePath, v tftypes.Value) ([]tftypes.Value, []*tftypes.AttributePath, error) {
	if !v.IsKnown() || v.IsNull() {
		return nil, nil, nil
	}
	var elems []tftypes.Value
	var paths []*tftypes.AttributePath
	switch v.Type().(type) {
	case tftypes.List, tftypes.Tuple:
		if err := v.As(&elems); err != nil {
			return nil, nil, err
		}
		for i := range elems {
			paths = append(paths, path.WithElementKeyInt(i))
		}
	case tftypes.Set:
		if err := v.As(&elems); err != nil {
			return nil, nil, err
		}
		for _, e := range elems {
			paths = append(paths, path.WithElementKeyValue(e))
		}
	case tftypes.Map:
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return nil, nil, err
		}
		for _, k := range sortedKeys(m) {
			elems = append(elems, m[k])
			paths = append(paths, path.WithElementKeyString(k))
		}
	default: // an object: a single/group nested block
		elems, paths = []tftypes.Value{v}, []*tftypes.AttributePath{path}
	}
	return elems, paths, nil
}

// isAllowed compares a known primitive value with the `allowed` list (strings, json.Numbers
// or bools as decoded from schema.meta.json).
func isAllowed(v tftypes.Value, allowed []any) bool {
	for _, a := range allowed {
		switch {
		case v.Type().Is(tftypes.String):
			var s string
			if v.As(&s) == nil && a == s {
				return true
			}
		case v.Type().Is(tftypes.Number):
			var n big.Float
			if num, ok := a.(json.Number); ok && v.As(&n) == nil && n.Cmp(parseNumber(num)) == 0 {
				return true
			}
		case v.Type().Is(tftypes.Bool):
			var b bool
			if v.As(&b) == nil && a == b {
				return true
			}
		}
	}
	return false
}

func parseNumber(n json.Number) *big.Float {
	f, _, err := big.ParseFloat(n.String(), 10, 512, big.ToNearestEven)
	if err != nil {
		return new(big.Float) // unreachable: the JSON decoder produced it
	}
	return f
}

func rangeText(r rule) string {
	switch {
	case r.Min != nil && r.Max != nil:
		return r.Min.String() + ".." + r.Max.String()
	case r.Min != nil:
		return ">= " + r.Min.String()
	default:
		return "<= " + r.Max.String()
	}
}

func showValue(v tftypes.Value) string {
	var s string
	if v.Type().Is(tftypes.String) && v.As(&s) == nil {
		return fmt.Sprintf("%q", s)
	}
	var n big.Float
	if v.Type().Is(tftypes.Number) && v.As(&n) == nil {
		return n.Text('f', -1)
	}
	return v.String()
}

func showAllowed(a any) string {
	if s, ok := a.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(a)
}

// pathText renders a path the way it is written in HCL: nodes[0].port, tags["k"].
func pathText(p *tftypes.AttributePath) string {
	var b strings.Builder
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		default: // a set element has no index
			b.WriteString("[*]")
		}
	}
	return b.String()
}

func decodeError(path *tftypes.AttributePath, err error) *tfprotov6.Diagnostic {
	return &tfprotov6.Diagnostic{
		Severity:  tfprotov6.DiagnosticSeverityError,
		Summary:   "Cannot decode configuration value",
		Detail:    err.Error(),
		Attribute: path,
	}
}
