"""The CLI's exit codes and its usage error, below every ``cli`` module that uses them."""

from __future__ import annotations

__all__ = ["EXIT_NOT_OK", "EXIT_OK", "UsageError"]

EXIT_OK, EXIT_NOT_OK = 0, 1


class UsageError(Exception):
    """Bad input from the user: reported in one sentence with exit code 2."""
