// Command terraform-provider-datawarehouse is a schema-only stand-in for the datawarehouse
// provider: it serves provider-bindings/datawarehouse/schema.json over Terraform plugin
// protocol 5 so that `tofu init` + `tofu validate` check configurations against the real
// schema, and enforces the allowed/min/max facts of schema.meta.json. It cannot plan or
// apply. See README.md.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5/tf5server"
)

const address = "registry.terraform.io/datawarehouse/datawarehouse"

// Copied next to this file by scripts/tools.sh (build_dwprovider) before `go build`;
// git-ignored here. The source of truth is provider-bindings/datawarehouse/.
var (
	//go:embed schema.json
	schemaJSON []byte
	//go:embed schema.meta.json
	metaJSON []byte
)

func main() {
	check := flag.Bool("check", false, "load the embedded schema, print a summary and exit")
	flag.Parse()

	def, err := load(schemaJSON, metaJSON, address)
	if err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-datawarehouse:", err)
		os.Exit(1)
	}
	if *check {
		fmt.Printf("ok: %s: provider, %d resources, %d data sources\n",
			address, len(def.resources), len(def.dataSources))
		return
	}
	if err := tf5server.Serve(address, func() tfprotov5.ProviderServer { return &server{def} }); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-datawarehouse:", err)
		os.Exit(1)
	}
}

// server implements tfprotov5.ProviderServer: schema and validation RPCs work, every
// other RPC answers with an error diagnostic.
type server struct{ def *definition }

var _ tfprotov5.ProviderServer = (*server)(nil)

// unsupported is the answer of every RPC that would need a real DataWarehouse server.
func unsupported(rpc string) []*tfprotov5.Diagnostic {
	return []*tfprotov5.Diagnostic{{
		Severity: tfprotov5.DiagnosticSeverityError,
		Summary:  "this is a schema-only validation provider",
		Detail: rpc + " is not supported: this datawarehouse provider build only serves the " +
			"schema for `tofu validate` (dw-constructs tools/dwprovider); plan, apply, read " +
			"and import need the real provider.",
	}}
}

// --- schema ------------------------------------------------------------------------------

func (s *server) GetMetadata(context.Context, *tfprotov5.GetMetadataRequest) (*tfprotov5.GetMetadataResponse, error) {
	resp := &tfprotov5.GetMetadataResponse{ServerCapabilities: &tfprotov5.ServerCapabilities{}}
	for _, name := range sortedKeys(s.def.resources) {
		resp.Resources = append(resp.Resources, tfprotov5.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.def.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov5.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov5.GetProviderSchemaRequest) (*tfprotov5.GetProviderSchemaResponse, error) {
	return &tfprotov5.GetProviderSchemaResponse{
		ServerCapabilities: &tfprotov5.ServerCapabilities{},
		Provider:           s.def.provider,
		ResourceSchemas:    s.def.resources,
		DataSourceSchemas:  s.def.dataSources,
	}, nil
}

// The provider has no identities and no functions: empty answers, so discovery works.
func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov5.GetResourceIdentitySchemasRequest) (*tfprotov5.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov5.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov5.ResourceIdentitySchema{}}, nil
}

func (s *server) GetFunctions(context.Context, *tfprotov5.GetFunctionsRequest) (*tfprotov5.GetFunctionsResponse, error) {
	return &tfprotov5.GetFunctionsResponse{Functions: map[string]*tfprotov5.Function{}}, nil
}

// --- validation (protocol 5 calls provider-config validation PrepareProviderConfig) ------

func (s *server) PrepareProviderConfig(_ context.Context, req *tfprotov5.PrepareProviderConfigRequest) (*tfprotov5.PrepareProviderConfigResponse, error) {
	return &tfprotov5.PrepareProviderConfigResponse{
		PreparedConfig: req.Config, // no defaults are inserted: the config is returned as given
		Diagnostics:    validateConfig(s.def.provider, s.def.meta.Provider, req.Config),
	}, nil
}

func (s *server) ValidateResourceTypeConfig(_ context.Context, req *tfprotov5.ValidateResourceTypeConfigRequest) (*tfprotov5.ValidateResourceTypeConfigResponse, error) {
	return &tfprotov5.ValidateResourceTypeConfigResponse{
		Diagnostics: validateConfig(s.def.resources[req.TypeName], s.def.meta.ResourceSchemas[req.TypeName], req.Config),
	}, nil
}

func (s *server) ValidateDataSourceConfig(_ context.Context, req *tfprotov5.ValidateDataSourceConfigRequest) (*tfprotov5.ValidateDataSourceConfigResponse, error) {
	return &tfprotov5.ValidateDataSourceConfigResponse{
		Diagnostics: validateConfig(s.def.dataSources[req.TypeName], s.def.meta.DataSourceSchemas[req.TypeName], req.Config),
	}, nil
}

// --- everything else: unsupported ----------------------------------------------------------

func (s *server) ConfigureProvider(context.Context, *tfprotov5.ConfigureProviderRequest) (*tfprotov5.ConfigureProviderResponse, error) {
	return &tfprotov5.ConfigureProviderResponse{Diagnostics: unsupported("ConfigureProvider")}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov5.StopProviderRequest) (*tfprotov5.StopProviderResponse, error) {
	return &tfprotov5.StopProviderResponse{}, nil // nothing runs, so there is nothing to stop
}

func (s *server) UpgradeResourceState(context.Context, *tfprotov5.UpgradeResourceStateRequest) (*tfprotov5.UpgradeResourceStateResponse, error) {
	return &tfprotov5.UpgradeResourceStateResponse{Diagnostics: unsupported("UpgradeResourceState")}, nil
}

func (s *server) ReadResource(context.Context, *tfprotov5.ReadResourceRequest) (*tfprotov5.ReadResourceResponse, error) {
	return &tfprotov5.ReadResourceResponse{Diagnostics: unsupported("ReadResource")}, nil
}

func (s *server) PlanResourceChange(context.Context, *tfprotov5.PlanResourceChangeRequest) (*tfprotov5.PlanResourceChangeResponse, error) {
	return &tfprotov5.PlanResourceChangeResponse{Diagnostics: unsupported("PlanResourceChange")}, nil
}

func (s *server) ApplyResourceChange(context.Context, *tfprotov5.ApplyResourceChangeRequest) (*tfprotov5.ApplyResourceChangeResponse, error) {
	return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: unsupported("ApplyResourceChange")}, nil
}

func (s *server) ImportResourceState(context.Context, *tfprotov5.ImportResourceStateRequest) (*tfprotov5.ImportResourceStateResponse, error) {
	return &tfprotov5.ImportResourceStateResponse{Diagnostics: unsupported("ImportResourceState")}, nil
}

func (s *server) MoveResourceState(context.Context, *tfprotov5.MoveResourceStateRequest) (*tfprotov5.MoveResourceStateResponse, error) {
	return &tfprotov5.MoveResourceStateResponse{Diagnostics: unsupported("MoveResourceState")}, nil
}

func (s *server) UpgradeResourceIdentity(context.Context, *tfprotov5.UpgradeResourceIdentityRequest) (*tfprotov5.UpgradeResourceIdentityResponse, error) {
	return &tfprotov5.UpgradeResourceIdentityResponse{Diagnostics: unsupported("UpgradeResourceIdentity")}, nil
}

func (s *server) GenerateResourceConfig(context.Context, *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{Diagnostics: unsupported("GenerateResourceConfig")}, nil
}

func (s *server) ReadDataSource(context.Context, *tfprotov5.ReadDataSourceRequest) (*tfprotov5.ReadDataSourceResponse, error) {
	return &tfprotov5.ReadDataSourceResponse{Diagnostics: unsupported("ReadDataSource")}, nil
}

func (s *server) CallFunction(context.Context, *tfprotov5.CallFunctionRequest) (*tfprotov5.CallFunctionResponse, error) {
	d := unsupported("CallFunction")[0]
	return &tfprotov5.CallFunctionResponse{Error: &tfprotov5.FunctionError{Text: d.Summary + ": " + d.Detail}}, nil
}

func (s *server) ValidateEphemeralResourceConfig(context.Context, *tfprotov5.ValidateEphemeralResourceConfigRequest) (*tfprotov5.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov5.ValidateEphemeralResourceConfigResponse{Diagnostics: unsupported("ValidateEphemeralResourceConfig")}, nil
}

func (s *server) OpenEphemeralResource(context.Context, *tfprotov5.OpenEphemeralResourceRequest) (*tfprotov5.OpenEphemeralResourceResponse, error) {
	return &tfprotov5.OpenEphemeralResourceResponse{Diagnostics: unsupported("OpenEphemeralResource")}, nil
}

func (s *server) RenewEphemeralResource(context.Context, *tfprotov5.RenewEphemeralResourceRequest) (*tfprotov5.RenewEphemeralResourceResponse, error) {
	return &tfprotov5.RenewEphemeralResourceResponse{Diagnostics: unsupported("RenewEphemeralResource")}, nil
}

func (s *server) CloseEphemeralResource(context.Context, *tfprotov5.CloseEphemeralResourceRequest) (*tfprotov5.CloseEphemeralResourceResponse, error) {
	return &tfprotov5.CloseEphemeralResourceResponse{Diagnostics: unsupported("CloseEphemeralResource")}, nil
}
