package main

// Planning from the schema and its sidecar, without a server. PlanResourceChange gets the
// configuration, the prior state and OpenTofu's proposed new state (the configuration with
// prior values carried into computed attributes the configuration leaves null) and answers:
//
//   - destroy (proposed new state null): null;
//   - every attribute whose configuration value is null and that has a `default` in
//     schema.meta.json: that default (also on update: removing an argument from the
//     configuration plans its default, as SDKv2's Default does);
//   - a computed attribute the configuration leaves null: unknown when the object is new (a
//     create, a replacement, which OpenTofu plans as a create, or a new element of a nested
//     block), otherwise the prior value OpenTofu proposed. An in-place update therefore keeps
//     server-assigned values (ids, versions): the SDKv2 convention, and the only honest one
//     without a server that could say which of them an update changes;
//   - write-only attributes: null (they are never stored);
//   - everything else: the proposed value, i.e. the configuration;
//   - on update, RequiresReplace names every `force_new` attribute whose planned value differs
//     from the prior state (an unknown planned value counts as different: the real value may
//     differ), inside nested blocks and nested attributes too: element by element for lists
//     (by index) and maps (by key), an added or removed element comparing as a null object.
//     Set elements have no identity, so a set is paired up by its elements' force_new values
//     and an element left without a partner (whose force_new values are not all null) names
//     the whole set.
//
// Nested blocks and nested attributes are walked generically, to any depth.

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// shape is the attributes and nested blocks of one object: a block, or the object type of a
// nested attribute.
type shape struct {
	attrs  []*tfprotov6.SchemaAttribute
	blocks []*tfprotov6.SchemaNestedBlock
}

type nesting int

const (
	nestSingle nesting = iota // single and group blocks, single nested attributes: one object
	nestList
	nestSet
	nestMap
)

// nestedShape is a nested block or a nested attribute: the shape of its objects and how they
// are nested.
type nestedShape struct {
	shape   shape
	nesting nesting
}

func shapeOfBlock(b *tfprotov6.SchemaBlock) shape {
	if b == nil {
		return shape{}
	}
	return shape{attrs: b.Attributes, blocks: b.BlockTypes}
}

func (sh shape) attribute(name string) *tfprotov6.SchemaAttribute {
	for _, a := range sh.attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// child is the nested block or nested attribute called name, or nil.
func (sh shape) child(name string) *nestedShape {
	if a := sh.attribute(name); a != nil && a.NestedType != nil {
		n := nestSingle
		switch a.NestedType.Nesting {
		case tfprotov6.SchemaObjectNestingModeList:
			n = nestList
		case tfprotov6.SchemaObjectNestingModeSet:
			n = nestSet
		case tfprotov6.SchemaObjectNestingModeMap:
			n = nestMap
		}
		return &nestedShape{shape: shape{attrs: a.NestedType.Attributes}, nesting: n}
	}
	for _, b := range sh.blocks {
		if b.TypeName != name {
			continue
		}
		n := nestSingle
		switch b.Nesting {
		case tfprotov6.SchemaNestedBlockNestingModeList:
			n = nestList
		case tfprotov6.SchemaNestedBlockNestingModeSet:
			n = nestSet
		case tfprotov6.SchemaNestedBlockNestingModeMap:
			n = nestMap
		}
		return &nestedShape{shape: shapeOfBlock(b.Block), nesting: n}
	}
	return nil
}

// planner plans one resource instance.
type planner struct {
	// defaultedNonComputed is set when a default was planned for an attribute the schema does
	// not mark computed (see planResource).
	defaultedNonComputed bool
}

// planResource returns the planned state and the attribute paths that require replacement.
// legacy reports whether a default was planned for a non-computed attribute: the plugin
// protocol only lets a provider plan values for computed attributes, and the schema declares
// these attributes optional (not computed) with a default, which is exactly what SDKv2
// providers serve. OpenTofu accepts such plans only from providers that set the legacy type
// system flag, as SDKv2 does; the caller sets it only for such plans, so every other plan gets
// OpenTofu's full consistency checks.
func planResource(td *typeDef, config, prior, proposed tftypes.Value) (planned tftypes.Value, replace []*tftypes.AttributePath, legacy bool, err error) {
	if proposed.IsNull() {
		return proposed, nil, false, nil // destroy
	}
	p := &planner{}
	sh := shapeOfBlock(td.schema.Block)
	planned, err = p.object(sh, td.rules, config, proposed, prior, prior.IsNull())
	if err != nil {
		return tftypes.Value{}, nil, false, err
	}
	if !prior.IsNull() {
		replace, err = replacePaths(sh, td.rules, tftypes.NewAttributePath(), prior, planned)
		if err != nil {
			return tftypes.Value{}, nil, false, err
		}
	}
	return planned, replace, p.defaultedNonComputed, nil
}

// object plans one object (a resource, or one element of a nested block or attribute). config
// and prior may be null (or, for prior, absent); proposed is known and not null. fresh: the
// object does not exist yet, so its computed values are not known.
func (p *planner) object(sh shape, rules map[string]rule, config, proposed, prior tftypes.Value, fresh bool) (tftypes.Value, error) {
	cfgA, err := attributes(config)
	if err != nil {
		return tftypes.Value{}, err
	}
	propA, err := attributes(proposed)
	if err != nil {
		return tftypes.Value{}, err
	}
	priorA, err := attributes(prior)
	if err != nil {
		return tftypes.Value{}, err
	}
	out := make(map[string]tftypes.Value, len(propA))
	for k, v := range propA {
		out[k] = v
	}
	for _, a := range sh.attrs {
		v, ok := propA[a.Name]
		if !ok {
			continue
		}
		c, r := cfgA[a.Name], rules[a.Name]
		configNull := isNull(c)
		switch {
		case a.WriteOnly:
			out[a.Name] = tftypes.NewValue(v.Type(), nil)
		case configNull && r.def != nil:
			out[a.Name] = *r.def
			if !a.Computed {
				p.defaultedNonComputed = true
			}
		case configNull && a.Computed && v.IsNull() && fresh:
			out[a.Name] = tftypes.NewValue(v.Type(), tftypes.UnknownValue)
		case a.NestedType != nil && v.IsKnown() && !v.IsNull():
			if out[a.Name], err = p.nested(sh.child(a.Name), r.Block, c, v, priorA[a.Name], fresh); err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", a.Name, err)
			}
		}
	}
	for _, b := range sh.blocks {
		v, ok := propA[b.TypeName]
		if !ok || !v.IsKnown() || v.IsNull() {
			continue
		}
		if out[b.TypeName], err = p.nested(sh.child(b.TypeName), rules[b.TypeName].Block, cfgA[b.TypeName], v, priorA[b.TypeName], fresh); err != nil {
			return tftypes.Value{}, fmt.Errorf("%s: %w", b.TypeName, err)
		}
	}
	return tftypes.NewValue(proposed.Type(), out), nil
}

// nested plans the objects of a nested block or nested attribute, pairing each proposed
// element with its configuration and prior element: by index (lists), by key (maps), the one
// object (single). Set elements have no identity: the proposed element stands in for its
// configuration (OpenTofu proposes set elements from the configuration, with prior values in
// computed attributes), and an element is new unless the prior set holds an equal one.
func (p *planner) nested(ns *nestedShape, rules map[string]rule, config, proposed, prior tftypes.Value, fresh bool) (tftypes.Value, error) {
	if ns == nil {
		return proposed, nil
	}
	if ns.nesting == nestSingle {
		return p.object(ns.shape, rules, config, proposed, prior, fresh || isNull(prior))
	}
	elems, keys, err := members(proposed)
	if err != nil {
		return tftypes.Value{}, err
	}
	cfgE, cfgKeys, err := members(config)
	if err != nil {
		return tftypes.Value{}, err
	}
	priorE, priorKeys, err := members(prior)
	if err != nil {
		return tftypes.Value{}, err
	}
	cfgByKey, priorByKey := byKey(cfgE, cfgKeys), byKey(priorE, priorKeys)
	out := make([]tftypes.Value, len(elems))
	for i, e := range elems {
		if !e.IsKnown() || e.IsNull() {
			out[i] = e
			continue
		}
		var c, pr tftypes.Value
		switch ns.nesting {
		case nestList:
			if i < len(cfgE) {
				c = cfgE[i]
			}
			if i < len(priorE) {
				pr = priorE[i]
			}
		case nestMap:
			c, pr = cfgByKey[keys[i]], priorByKey[keys[i]]
		case nestSet:
			c = e
			for _, old := range priorE {
				if old.Equal(e) {
					pr = old
				}
			}
		}
		if out[i], err = p.object(ns.shape, rules, c, e, pr, fresh || isNull(pr)); err != nil {
			return tftypes.Value{}, fmt.Errorf("[%s]: %w", keys[i], err)
		}
	}
	if ns.nesting == nestMap {
		m := make(map[string]tftypes.Value, len(out))
		for i, v := range out {
			m[keys[i]] = v
		}
		return tftypes.NewValue(proposed.Type(), m), nil
	}
	return tftypes.NewValue(proposed.Type(), out), nil
}

// replacePaths lists the force_new attributes whose planned value differs from the prior one.
func replacePaths(sh shape, rules map[string]rule, path *tftypes.AttributePath, prior, planned tftypes.Value) ([]*tftypes.AttributePath, error) {
	priorA, err := attributes(prior)
	if err != nil {
		return nil, err
	}
	planA, err := attributes(planned)
	if err != nil {
		return nil, err
	}
	var out []*tftypes.AttributePath
	for _, name := range sortedKeys(rules) {
		r, at := rules[name], path.WithAttributeName(name)
		old, cur := priorA[name], planA[name]
		if r.ForceNew {
			if !same(old, cur) {
				out = append(out, at)
			}
			continue
		}
		ns := sh.child(name)
		if ns == nil || !hasForceNew(r.Block) {
			continue
		}
		var more []*tftypes.AttributePath
		switch {
		case ns.nesting == nestSingle:
			more, err = replacePaths(ns.shape, r.Block, at, old, cur)
		case !cur.IsKnown() || !old.IsKnown():
			more = []*tftypes.AttributePath{at}
		case ns.nesting == nestSet:
			var changed bool
			if changed, err = setReplaces(ns, r.Block, old, cur); changed {
				more = []*tftypes.AttributePath{at}
			}
		default: // lists by index, maps by key; a missing element compares as a null object
			more, err = replaceInElements(ns, r.Block, at, old, cur)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

func replaceInElements(ns *nestedShape, rules map[string]rule, path *tftypes.AttributePath, prior, planned tftypes.Value) ([]*tftypes.AttributePath, error) {
	oldE, oldKeys, err := members(prior)
	if err != nil {
		return nil, err
	}
	curE, curKeys, err := members(planned)
	if err != nil {
		return nil, err
	}
	var out []*tftypes.AttributePath
	if ns.nesting == nestList {
		for i := 0; i < max(len(oldE), len(curE)); i++ {
			var o, c tftypes.Value
			if i < len(oldE) {
				o = oldE[i]
			}
			if i < len(curE) {
				c = curE[i]
			}
			more, err := replacePaths(ns.shape, rules, path.WithElementKeyInt(i), o, c)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		return out, nil
	}
	oldM, curM := byKey(oldE, oldKeys), byKey(curE, curKeys)
	union := map[string]bool{}
	for _, k := range append(oldKeys, curKeys...) {
		union[k] = true
	}
	for _, k := range sortedKeys(union) {
		more, err := replacePaths(ns.shape, rules, path.WithElementKeyString(k), oldM[k], curM[k])
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// setReplaces pairs the prior and planned elements of a set whose force_new values are the same
// (an equivalence while all are known; an unknown value pairs with nothing) and reports whether
// an element is left over that differs from a null object in a force_new value.
func setReplaces(ns *nestedShape, rules map[string]rule, prior, planned tftypes.Value) (bool, error) {
	oldE, _, err := members(prior)
	if err != nil {
		return false, err
	}
	curE, _, err := members(planned)
	if err != nil {
		return false, err
	}
	differs := func(a, b tftypes.Value) (bool, error) {
		paths, err := replacePaths(ns.shape, rules, tftypes.NewAttributePath(), a, b)
		return len(paths) > 0, err
	}
	used := make([]bool, len(oldE))
	for _, c := range curE {
		matched := false
		for i, o := range oldE {
			if used[i] {
				continue
			}
			d, err := differs(o, c)
			if err != nil {
				return false, err
			}
			if !d {
				used[i], matched = true, true
				break
			}
		}
		if !matched {
			if d, err := differs(tftypes.Value{}, c); err != nil || d {
				return d, err
			}
		}
	}
	for i, o := range oldE {
		if !used[i] {
			if d, err := differs(o, tftypes.Value{}); err != nil || d {
				return d, err
			}
		}
	}
	return false, nil
}

func hasForceNew(rules map[string]rule) bool {
	for _, r := range rules {
		if r.ForceNew || hasForceNew(r.Block) {
			return true
		}
	}
	return false
}

// same: equal, with absent and null equal to each other and anything not fully known
// different from everything (its final value may differ).
func same(a, b tftypes.Value) bool {
	switch {
	case isNull(a) && isNull(b):
		return true
	case isNull(a) || isNull(b):
		return false
	case !a.IsFullyKnown() || !b.IsFullyKnown():
		return false
	}
	return a.Equal(b)
}

// isNull is true for a null value and for the zero Value (an absent attribute or element).
func isNull(v tftypes.Value) bool {
	return v.Type() == nil || v.IsNull()
}

// attributes of an object value; nil for the zero Value, null or unknown.
func attributes(v tftypes.Value) (map[string]tftypes.Value, error) {
	if isNull(v) || !v.IsKnown() {
		return nil, nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// members of a list, set or map value, with their keys (the index as text for lists and
// sets, the key for maps, in sorted order); nothing for the zero Value, null or unknown.
func members(v tftypes.Value) ([]tftypes.Value, []string, error) {
	if isNull(v) || !v.IsKnown() {
		return nil, nil, nil
	}
	if v.Type().Is(tftypes.Map{}) {
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return nil, nil, err
		}
		keys := sortedKeys(m)
		elems := make([]tftypes.Value, len(keys))
		for i, k := range keys {
			elems[i] = m[k]
		}
		return elems, keys, nil
	}
	var elems []tftypes.Value
	if err := v.As(&elems); err != nil {
		return nil, nil, err
	}
	keys := make([]string, len(elems))
	for i := range elems {
		keys[i] = fmt.Sprint(i)
	}
	return elems, keys, nil
}

func byKey(elems []tftypes.Value, keys []string) map[string]tftypes.Value {
	m := make(map[string]tftypes.Value, len(elems))
	for i, k := range keys {
		m[k] = elems[i]
	}
	return m
}
