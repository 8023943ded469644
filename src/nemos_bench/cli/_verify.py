"""``nemos-bench verify``: the command over :func:`nemos_bench.verify.verify_run`."""

from __future__ import annotations

from rich.console import Console

from ._errors import EXIT_NOT_OK, EXIT_OK

__all__ = ["cmd_verify"]


def cmd_verify(args, console: Console) -> int:
    """``nemos-bench verify RUN_DIR``: recompute every fitted row; exit 0 when all agree."""
    from ..verify import verify_run

    result = verify_run(args.run_dir)
    for mismatch in result.mismatches:
        console.print(f"MISMATCH {mismatch.sentence()}", markup=False, highlight=False)
    verdict = "all agree" if result.passed else f"{len(result.mismatches)} mismatch(es)"
    console.print(
        f"Verified {result.checked_text()} of {result.n_rows} in {result.run_dir} from "
        f"their stored parameters: {verdict}.",
        markup=False,
        highlight=False,
    )
    return EXIT_OK if result.passed else EXIT_NOT_OK
