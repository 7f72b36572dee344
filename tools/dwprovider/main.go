// Command dwprovider is an offline stand-in for the datawarehouse provider: it serves one provider
// schema (the `terraform providers schema -json` document embedded at build time) over Terraform
// plugin protocol 6, so that `tofu init` + `tofu validate` check configurations against that
// schema, enforces the allowed/min/max facts of an optional schema.meta.json sidecar, and plans
// from the schema and the sidecar's default/force_new facts (plan.go). The provider address is
// the single key of the schema's provider_schemas. It contacts no server: apply, import, refresh
// and data source reads answer with an error (no admin API is reachable). See README.md.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"path"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Written next to this file by scripts/tools.sh (build_schema_provider) before `go build`;
// git-ignored here. schema.meta.json is `{}` when the schema has no sidecar.
var (
	//go:embed schema.json
	schemaJSON []byte
	//go:embed schema.meta.json
	metaJSON []byte
)

func main() {
	check := flag.Bool("check", false, "load the embedded schema, print a summary and exit")
	flag.Parse()

	def, err := load(schemaJSON, metaJSON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwprovider:", err)
		os.Exit(1)
	}
	if *check {
		fmt.Printf("ok: %s (protocol 6): provider, %d resources, %d data sources, "+
			"%d ephemeral resources, %d functions, %d meta rules, %d plan rules (default/force_new), "+
			"%d nested-attribute item limits\n",
			def.address, len(def.resources), len(def.dataSources), len(def.ephemeral),
			len(def.functions), def.ruleCount, def.planCount, def.limitCount)
		return
	}
	if err := tf6server.Serve(def.address, func() tfprotov6.ProviderServer { return &server{def} }); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-"+path.Base(def.address)+":", err)
		os.Exit(1)
	}
}

// server implements tfprotov6.ProviderServer: the schema, validation, provider configuration,
// state upgrade and plan RPCs work offline; the RPCs that need the server answer with
// unreachable, the others with unsupported.
type server struct{ def *definition }

var _ tfprotov6.ProviderServer = (*server)(nil)

// serverName is the product whose admin API the real provider talks to; it appears only in
// error messages. Nothing in the schema says it, hence a constant.
const serverName = "DataWarehouse"

// unreachable is the answer of every RPC that needs the server: applying, importing,
// refreshing and reading data sources. The server is not public, so nothing is contacted and
// no result is made up.
func (s *server) unreachable(what, rpc, hint string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "No " + serverName + " admin API is reachable",
		Detail: what + " (" + rpc + ") needs the " + serverName + " server's admin API, and none is " +
			"reachable from here: this build of " + s.def.address + " (dw-constructs tools/dwprovider) " +
			"is an offline stand-in that validates and plans from the provider schema and contacts no " +
			"server (the " + serverName + " server is not public). Nothing was changed and no value " +
			"was made up. " + hint,
	}}
}

// unsupported is the answer of the RPCs this stand-in has no offline answer for and that the
// schema gives no reason to call (moves, identities, ephemeral resources, functions, config
// generation).
func (s *server) unsupported(rpc string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Not supported by the offline " + serverName + " provider",
		Detail: rpc + " is not supported: this build of " + s.def.address + " (dw-constructs " +
			"tools/dwprovider) validates and plans from the provider schema only; moves, resource " +
			"identities, ephemeral resources, functions and config generation need the real provider.",
	}}
}

// errorDiag wraps an internal failure (a value that does not decode against the schema).
func errorDiag(summary string, err error) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  summary,
		Detail:   "dwprovider (dw-constructs tools/dwprovider): " + err.Error(),
	}}
}

// --- schema ------------------------------------------------------------------------------

func (s *server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	for _, name := range sortedKeys(s.def.resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.def.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.def.ephemeral) {
		resp.EphemeralResources = append(resp.EphemeralResources, tfprotov6.EphemeralResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.def.functions) {
		resp.Functions = append(resp.Functions, tfprotov6.FunctionMetadata{Name: name})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities:       &tfprotov6.ServerCapabilities{},
		Provider:                 s.def.provider.schema,
		ResourceSchemas:          schemasOf(s.def.resources),
		DataSourceSchemas:        schemasOf(s.def.dataSources),
		EphemeralResourceSchemas: schemasOf(s.def.ephemeral),
		Functions:                s.def.functions,
	}, nil
}

func (s *server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: s.def.functions}, nil
}

// The JSON schema format has no resource identities: an empty answer, so discovery works.
func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

// --- validation ----------------------------------------------------------------------------

func (s *server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{
		PreparedConfig: req.Config, // no defaults are inserted: the config is returned as given
		Diagnostics:    validateConfig(s.def.provider, req.Config),
	}, nil
}

func (s *server) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return &tfprotov6.ValidateResourceConfigResponse{
		Diagnostics: validateConfig(s.def.resources[req.TypeName], req.Config),
	}, nil
}

func (s *server) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return &tfprotov6.ValidateDataResourceConfigResponse{
		Diagnostics: validateConfig(s.def.dataSources[req.TypeName], req.Config),
	}, nil
}

func (s *server) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{
		Diagnostics: validateConfig(s.def.ephemeral[req.TypeName], req.Config),
	}, nil
}

// --- offline: configuration, state upgrade, plan ------------------------------------------

// ConfigureProvider accepts the (validated) configuration and opens no connection: nothing
// that follows talks to a server.
func (s *server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

// UpgradeResourceState decodes the stored state (JSON) against the current schema and returns
// it unchanged: OpenTofu calls it for every resource in the prior state before planning. There
// are no state upgraders, so a state written for another schema version is refused. Attributes
// the schema no longer has are dropped and attributes it gained are null, as the plugin
// framework does.
func (s *server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	td, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: diags}, nil
	}
	typ := td.schema.Block.ValueType()
	if req.Version != td.schema.Version {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "Cannot upgrade the state of " + req.TypeName,
			Detail: fmt.Sprintf("The state of this %s was written for schema version %d; this build "+
				"of %s serves version %d and has no state upgraders.", req.TypeName, req.Version,
				s.def.address, td.schema.Version),
		}}}, nil
	}
	if req.RawState == nil {
		dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
		if err != nil {
			return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Cannot encode state", err)}, nil
		}
		return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
	}
	v, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{
			Diagnostics: errorDiag("Cannot read the state of "+req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Cannot encode state", err)}, nil
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

// PlanResourceChange plans from the schema and the sidecar's default/force_new facts: see
// plan.go.
func (s *server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	td, diags := s.resource(req.TypeName)
	if diags != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: diags}, nil
	}
	typ := td.schema.Block.ValueType()
	var vals [3]tftypes.Value
	for i, dv := range []*tfprotov6.DynamicValue{req.Config, req.PriorState, req.ProposedNewState} {
		if dv == nil {
			vals[i] = tftypes.NewValue(typ, nil)
			continue
		}
		v, err := dv.Unmarshal(typ)
		if err != nil {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot plan "+req.TypeName, err)}, nil
		}
		vals[i] = v
	}
	planned, replace, legacy, err := planResource(td, vals[0], vals[1], vals[2])
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot plan "+req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, planned)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot plan "+req.TypeName, err)}, nil
	}
	return &tfprotov6.PlanResourceChangeResponse{
		PlannedState:    &dv,
		RequiresReplace: replace,
		PlannedPrivate:  req.PriorPrivate,
		// See planResource: set only when a default was planned for a non-computed attribute.
		UnsafeToUseLegacyTypeSystem: legacy, //nolint:staticcheck
	}, nil
}

// resource is the definition of a managed resource type, or an error diagnostic.
func (s *server) resource(name string) (*typeDef, []*tfprotov6.Diagnostic) {
	if td := s.def.resources[name]; td != nil {
		return td, nil
	}
	return nil, []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Unknown resource type " + name,
		Detail:   s.def.address + " has no resource type " + name + ".",
	}}
}

// --- the server is needed: unreachable -----------------------------------------------------

// ApplyResourceChange changes nothing. NewState is the prior state (null for a create), so
// OpenTofu records no new object and keeps an existing one as it was.
func (s *server) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{
		NewState: req.PriorState,
		Private:  req.PlannedPrivate,
		Diagnostics: s.unreachable("Applying a change to "+req.TypeName, "ApplyResourceChange",
			"Apply with the real provider where the server is reachable."),
	}, nil
}

func (s *server) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{
		Diagnostics: s.unreachable("Importing "+req.TypeName, "ImportResourceState",
			"Import with the real provider where the server is reachable."),
	}, nil
}

// ReadResource is refresh: `tofu plan`, `apply` and `refresh` call it for every resource in the
// prior state unless -refresh=false is given.
func (s *server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{
		Diagnostics: s.unreachable("Refreshing "+req.TypeName, "ReadResource",
			"To preview against the recorded state without reading the server, plan with -refresh=false."),
	}, nil
}

// ReadDataSource: every data source of the schema reads the server (all its results are
// computed), so none can be answered offline. OpenTofu calls it at plan time only when the
// data source's configuration is known and nothing it depends on has pending changes;
// otherwise the read is deferred to apply and the plan shows its results as unknown.
func (s *server) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{
		Diagnostics: s.unreachable("Reading data source "+req.TypeName, "ReadDataSource",
			"A data source whose arguments are only known at apply time is not read during plan."),
	}, nil
}

// --- everything else: unsupported ----------------------------------------------------------

func (s *server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil // nothing runs, so there is nothing to stop
}

func (s *server) MoveResourceState(context.Context, *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: s.unsupported("MoveResourceState")}, nil
}

func (s *server) UpgradeResourceIdentity(context.Context, *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: s.unsupported("UpgradeResourceIdentity")}, nil
}

func (s *server) GenerateResourceConfig(context.Context, *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: s.unsupported("GenerateResourceConfig")}, nil
}

func (s *server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	d := s.unsupported("CallFunction " + req.Name)[0]
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: d.Summary + ": " + d.Detail}}, nil
}

func (s *server) OpenEphemeralResource(context.Context, *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: s.unsupported("OpenEphemeralResource")}, nil
}

func (s *server) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{Diagnostics: s.unsupported("RenewEphemeralResource")}, nil
}

func (s *server) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{Diagnostics: s.unsupported("CloseEphemeralResource")}, nil
}
