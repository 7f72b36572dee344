// Command dwprovider is a schema-only stand-in provider: it serves one provider schema (the
// `terraform providers schema -json` document embedded at build time) over Terraform plugin
// protocol 6, so that `tofu init` + `tofu validate` check configurations against that schema,
// and enforces the allowed/min/max facts of an optional schema.meta.json sidecar. The provider
// address is the single key of the schema's provider_schemas. It cannot plan or apply.
// See README.md.
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
			"%d ephemeral resources, %d functions, %d meta rules, %d nested-attribute item limits\n",
			def.address, len(def.resources), len(def.dataSources), len(def.ephemeral),
			len(def.functions), def.ruleCount, def.limitCount)
		return
	}
	if err := tf6server.Serve(def.address, func() tfprotov6.ProviderServer { return &server{def} }); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-"+path.Base(def.address)+":", err)
		os.Exit(1)
	}
}

// server implements tfprotov6.ProviderServer: the schema and validation RPCs work, every
// other RPC answers with an error diagnostic.
type server struct{ def *definition }

var _ tfprotov6.ProviderServer = (*server)(nil)

// unsupported is the answer of every RPC that would need the real provider.
func (s *server) unsupported(rpc string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "this is a schema-only validation provider",
		Detail: rpc + " is not supported: this build of " + s.def.address + " only serves the " +
			"provider schema for `tofu validate` (dw-constructs tools/dwprovider); plan, apply, " +
			"read, import, ephemeral resources and functions need the real provider.",
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

// --- everything else: unsupported ----------------------------------------------------------

func (s *server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{Diagnostics: s.unsupported("ConfigureProvider")}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil // nothing runs, so there is nothing to stop
}

func (s *server) UpgradeResourceState(context.Context, *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: s.unsupported("UpgradeResourceState")}, nil
}

func (s *server) ReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{Diagnostics: s.unsupported("ReadResource")}, nil
}

func (s *server) PlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return &tfprotov6.PlanResourceChangeResponse{Diagnostics: s.unsupported("PlanResourceChange")}, nil
}

func (s *server) ApplyResourceChange(context.Context, *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: s.unsupported("ApplyResourceChange")}, nil
}

func (s *server) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: s.unsupported("ImportResourceState")}, nil
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

func (s *server) ReadDataSource(context.Context, *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{Diagnostics: s.unsupported("ReadDataSource")}, nil
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
