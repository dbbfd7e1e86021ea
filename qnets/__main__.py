"""``python -m qnets``: the same as the ``qnets`` console script."""

import sys

from qnets.cli import main

sys.exit(main())
