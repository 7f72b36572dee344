"""dw-constructs: cdktf constructs for DataWarehouse and CloudNativePG PostGIS on Kubernetes.

Importing this package is cheap: constructs (and the jsii runtime behind them) load on first use,
e.g. ``from dw_constructs.datawarehouse import DataWarehouseInstance``.
"""

import os as _os

# jsii's Node process prints a multi-line "Node <major> is end-of-life" banner on its stderr, which
# the Python runtime relays as Python bytes literals into every app's output. The variable lists
# the Node majors to keep quiet about; it is read once, when the jsii kernel starts (on the first
# import of constructs or cdktf), so it is set here, before any module of ours imports them. A
# value already set wins: set it to "" to get the banner back. (An app that imports cdktf before
# dw_constructs starts the kernel first; set the variable there, or import dw_constructs first.)
_os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", ",".join(str(n) for n in range(10, 41)))

from dw_constructs.errors import PropsError  # noqa: E402  (after the environment above)

__all__ = ["PropsError", "__version__"]
__version__ = "0.1.0"
