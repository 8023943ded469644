"""JAX float64: the scipy adapter and the benchmarks work in float64 (``jax_enable_x64``)."""

from __future__ import annotations

import warnings

import jax

__all__ = ["enable_x64", "require_x64"]


def enable_x64() -> bool:
    """Turn on JAX float64 and say whether it was off before.

    Returns
    -------
    bool
        ``True`` when this call changed the setting.

    Examples
    --------
    >>> _ = enable_x64()
    >>> import jax
    >>> bool(jax.config.jax_enable_x64)
    True
    """
    if jax.config.jax_enable_x64:
        return False
    jax.config.update("jax_enable_x64", True)
    warnings.warn(
        "nemos-bench enabled JAX float64 (jax_enable_x64=True): benchmarks and the scipy "
        "adapter work in float64; arrays created before this call keep their float32 dtype.",
        stacklevel=2,
    )
    return True


def require_x64(what: str) -> None:
    """Raise if JAX float64 is disabled.

    Parameters
    ----------
    what : str
        Name of the component that needs float64, used in the message.

    Raises
    ------
    RuntimeError
        When ``jax_enable_x64`` is ``False``.
    """
    if not jax.config.jax_enable_x64:
        raise RuntimeError(
            f"{what} needs JAX float64 but jax_enable_x64 is False; call "
            "jax.config.update('jax_enable_x64', True) before creating any arrays "
            "(in float32 scipy's line searches stop early with ABNORMAL termination)."
        )
