"""``python -m nemos_bench.cli``: the ``nemos-bench`` command."""

import sys

from ._main import main

sys.exit(main())
