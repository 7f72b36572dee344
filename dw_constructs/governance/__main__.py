"""``python -m dw_constructs.governance ...``: see :mod:`dw_constructs.governance.cli`."""

import sys

from dw_constructs.governance.cli import main

sys.exit(main())
