"""``python -m nemos_bench.compare BASE HEAD``: the gate without the ``nemos-bench`` CLI."""

import argparse
import os
import sys

from rich.console import Console

from ._asv_config import CompareError
from ._report import add_compare_arguments, run_compare

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the gate, return the exit code (2 for a bad BASE or HEAD)."""
    parser = argparse.ArgumentParser(
        prog="python -m nemos_bench.compare", description=__doc__.splitlines()[0]
    )
    args = add_compare_arguments(parser).parse_args(argv)
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(width=1000)  # piped: full-width rows, not rich's 80 columns
    try:
        return run_compare(args, console)
    except CompareError as err:
        Console(stderr=True).print(f"compare: error: {err}", markup=False, highlight=False)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
