"""The error of an invalid sweep setting, below every module that raises it.

:class:`ConfigError` is raised by the sweep's configuration (``_sweepconfig``, ``_config``)
and by the scheduler-address check it calls (``_scheduler``), whose own
``SchedulerUnreachableError`` subclasses it; defined here, none of them imports another
to get it.
"""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """An invalid sweep setting; the message names the value and what is accepted."""
