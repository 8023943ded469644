"""A Dask scheduler address: its form checked before anything runs, its liveness in seconds.

``distributed.Client(address)`` retries a refused connection until its connect timeout
(30 s by default, about a minute all told) and then raises with a traceback; a port where
something other than a Dask scheduler listens hangs its handshake. So ``nemos-bench run
--scheduler`` checks the address's form when the sweep is configured, and the scheduler's
liveness before the run directory is created: a plain TCP connection first (a refused one
fails at once), then Dask's own handshake, each bounded by :data:`PROBE_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
import socket

from ._errors import ConfigError

__all__ = [
    "PROBE_TIMEOUT_S",
    "SchedulerUnreachableError",
    "check_scheduler_address",
    "probe_scheduler",
]

#: Seconds the TCP connection, and then Dask's handshake, may each take.
PROBE_TIMEOUT_S = 5.0
#: Address schemes of ``distributed`` (``distributed.comm.registry.backends``).
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
#: Schemes whose location is ``host:port``.
_HOST_PORT = ("tcp", "tls", "ws", "wss", "ucx")
_FORMS = (
    "give the address the scheduler prints, tcp://HOST:PORT (or HOST:PORT), "
    "e.g. 'tcp://10.0.0.5:8786'"
)


class SchedulerUnreachableError(ConfigError):
    """No Dask scheduler answers at the address given (reported as bad input, exit code 2)."""


def _split(address: str) -> tuple[str, str]:
    scheme, sep, location = address.strip().rpartition("://")
    return (scheme.lower() if sep else "tcp"), location


def check_scheduler_address(address: str) -> tuple[str, str | None, int | None]:
    """``(scheme, host, port)`` of a scheduler address, or a :class:`ConfigError` saying why not.

    ``host`` and ``port`` are ``None`` for ``inproc://`` addresses.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    ('tcp', '10.0.0.5', 8786)
    >>> check_scheduler_address("[::1]:8786")
    ('tcp', '::1', 8786)
    >>> check_scheduler_address("localhost")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nemos_bench.sweep._errors.ConfigError: scheduler 'localhost' has no port; give ...
    """
    scheme, location = _split(address)
    if scheme not in _SCHEMES:
        raise ConfigError(
            f"scheduler {address!r} has the scheme {scheme!r}, which Dask does not speak "
            f"(the dashboard's http:// address is not the scheduler's); {_FORMS}."
        )
    if scheme not in _HOST_PORT:
        return scheme, None, None
    host, colon, port = location.rpartition(":")
    if not colon or not port:
        raise ConfigError(f"scheduler {address!r} has no port; {_FORMS}.")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"scheduler {address!r} has the port {port!r}, not 1-65535; {_FORMS}.")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not host:
        raise ConfigError(f"scheduler {address!r} has no host; {_FORMS}.")
    return scheme, host, int(port)


def _unreachable(address: str, why: str) -> SchedulerUnreachableError:
    return SchedulerUnreachableError(
        f"No Dask scheduler answers at {address} ({why}); check that the scheduler is "
        "running and that this is the address it printed ('Scheduler at: ...'), and that "
        "this machine can reach that host and port."
    )


def probe_scheduler(address: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise :class:`SchedulerUnreachableError` unless a Dask scheduler answers at ``address``.

    A ``tcp://`` scheduler must accept a TCP connection and complete Dask's handshake, each
    within ``timeout`` seconds; other schemes (TLS needs the cluster's certificates) are
    checked for a TCP connection only, ``inproc://`` not at all.

    Examples
    --------
    >>> probe_scheduler("tcp://127.0.0.1:1", timeout=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nemos_bench.sweep._scheduler.SchedulerUnreachableError: No Dask scheduler answers at ...
    """
    scheme, host, port = check_scheduler_address(address)
    if host is None:
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except ConnectionRefusedError:
        raise _unreachable(
            address,
            "the connection was refused: nothing listens on that port, or a firewall rejects it",
        ) from None
    except TimeoutError:
        raise _unreachable(address, f"no TCP connection within {timeout:g} s") from None
    except socket.gaierror as err:
        raise _unreachable(address, f"the host {host!r} is unknown: {err.strerror}") from None
    except OSError as err:
        raise _unreachable(address, err.strerror or type(err).__name__) from None
    if scheme != "tcp":
        return
    try:
        asyncio.run(_handshake(address, timeout))
    except (asyncio.TimeoutError, TimeoutError):
        why = f"something listens there but did not complete Dask's handshake in {timeout:g} s"
    except OSError as err:
        message = " ".join(str(err).split())[:200]
        why = f"something listens there but Dask's handshake failed: {message}"
    else:
        return
    raise _unreachable(address, why)


async def _handshake(address: str, timeout: float) -> None:
    from distributed.comm import connect

    # ``connect``'s own timeout does not cover the handshake read: bound it all.
    comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
    await comm.close()
