"""Counting the XLA compilations (and their time) inside a block of code.

Counting compilations relies on ``jax_log_compiles``: with it on, JAX logs one
``"Compiling ..."`` record per XLA compilation on the ``jax`` logger tree. The time spent
compiling comes from JAX's monitoring events (tracing to a jaxpr, lowering to MLIR and the
backend compile), summed while a :func:`count_compiles` block is open.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import jax
from jax import monitoring

__all__ = ["CompileCounter", "count_compiles"]


@dataclass
class CompileCounter:
    """Record of the XLA compilations seen inside a :func:`count_compiles` block.

    Attributes
    ----------
    messages : list of str
        One log message per compilation, in order.
    """

    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    """Seconds of tracing, lowering and compiling reported by JAX inside the block."""

    @property
    def count(self) -> int:
        """Number of compilations seen."""
        return len(self.messages)


class _CompileHandler(logging.Handler):
    def __init__(self, counter: CompileCounter):
        super().__init__(level=logging.DEBUG)
        self._counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Compiling "):
            self._counter.messages.append(message)


#: JAX monitoring events whose durations add up to the time a call spends compiling.
COMPILE_EVENTS = (
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
    "/jax/core/compile/backend_compile_duration",
)
_open_counters: list[CompileCounter] = []
_listening = False


def _on_duration(event: str, duration: float, **_kwargs) -> None:
    if event in COMPILE_EVENTS:
        for counter in _open_counters:
            counter.seconds += float(duration)


def _listen() -> None:
    global _listening
    if not _listening:
        monitoring.register_event_duration_secs_listener(_on_duration)
        _listening = True


@contextlib.contextmanager
def count_compiles() -> Iterator[CompileCounter]:
    """Count the XLA compilations that happen inside the ``with`` block.

    Yields
    ------
    CompileCounter
        Filled while the block runs; read ``.count`` after it.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> f = jax.jit(lambda x: 2 * x)
    >>> _ = f(jnp.ones(3))
    >>> with count_compiles() as seen:
    ...     _ = f(jnp.ones(3))
    >>> seen.count, seen.seconds
    (0, 0.0)
    >>> with count_compiles() as seen:
    ...     _ = jax.jit(lambda x: 3 * x)(jnp.ones(3))
    >>> seen.count, seen.seconds > 0
    (1, True)
    """
    _listen()
    counter = CompileCounter()
    _open_counters.append(counter)
    handler = _CompileHandler(counter)
    logger = logging.getLogger("jax")
    previous_flag = jax.config.jax_log_compiles
    previous_level = logger.level
    previous_propagate = logger.propagate
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    # keep JAX's compile log lines off the user's terminal
    logger.propagate = False
    jax.config.update("jax_log_compiles", True)
    try:
        yield counter
    finally:
        _open_counters.remove(counter)
        jax.config.update("jax_log_compiles", previous_flag)
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        logger.propagate = previous_propagate
