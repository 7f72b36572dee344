"""``terraform_data`` without ``cdktf.DataResource``'s synth-time cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf import TerraformResource
from constructs import Construct


class TerraformData(TerraformResource):
    """A ``terraform_data`` resource (Terraform's built-in provider) with ``input`` and
    ``triggers_replace``, synthesized exactly as ``cdktf.DataResource`` synthesizes them.

    ``DataResource`` adds a validation to every instance that runs ``terraform version`` in a child
    process when the app is synthesized: about 45 ms per instance (a stack of N DataWarehouseClusters
    spawned N processes), and a synth that fails where no ``terraform`` binary is installed. This
    class adds none; the attributes are returned to cdktf when it synthesizes the resource.
    """

    def __init__(self, scope: Construct, id: str, *, input: Any = None, triggers_replace: Any = None) -> None:
        super().__init__(scope, id, terraform_resource_type="terraform_data")
        self._attributes = {
            k: v for k, v in (("input", input), ("triggers_replace", triggers_replace)) if v is not None
        }

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes

    def _synthesize_hcl_attributes(self) -> Mapping[str, Any]:
        return self._attributes

    @property
    def id(self) -> str:
        """The random id Terraform gives the resource, new on each replacement (a reference)."""
        return self.get_string_attribute("id")

    @property
    def output(self) -> Any:
        """``input`` as stored in the state (a reference)."""
        return self.get_any_map_attribute("output")
