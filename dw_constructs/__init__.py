"""dw-constructs: cdktf constructs for DataWarehouse and CloudNativePG PostGIS on Kubernetes.

Importing this package is cheap: constructs (and the jsii runtime behind them) load on first use,
e.g. ``from dw_constructs.datawarehouse import DataWarehouseInstance``.
"""

from dw_constructs.errors import PropsError

__all__ = ["PropsError", "__version__"]
__version__ = "0.1.0"
