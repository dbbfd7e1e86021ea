"""Tasks on a Dask cluster: the scheduler address, TLS, connecting, and surviving a lost cluster.

* **Addresses**: ``tcp://host:port`` or ``tls://host:port`` (``host:port`` alone is TCP); any other
  protocol (``inproc://``, ``ucx://``, ``ws://``) is refused naming ``--scheduler``.
* **TLS**: a ``tls://`` scheduler needs the CA certificate, this client's certificate and its key
  (:class:`TLSFiles`: ``--tls-ca``, ``--tls-cert``, ``--tls-key`` or the environment variables
  ``QNETS_TLS_CA``, ``QNETS_TLS_CERT``, ``QNETS_TLS_KEY``), given to ``distributed.Security`` with
  encryption required.  Over plain TCP any client that reaches the port can run arbitrary code
  on every worker (Dask ships pickled functions): use TLS, or keep the scheduler on a network
  only its owner can reach.
* **Faults**: :func:`map_on_cluster` waits for results in slices of ``POLL_SECONDS`` and between
  them asks the scheduler for its workers.  With no worker for ``NO_WORKER_SECONDS`` (the last
  one died and none replaced it) or no answer from the scheduler, the run stops with a
  :class:`~qnets.errors.RunFaultError` naming ``--scheduler``; the results that arrived before are
  kept by the caller (``reproduce`` has stored them in its cache).  A worker restarted by its
  nanny is survived: Dask reruns its tasks elsewhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qnets.errors import InputError, RunFaultError

#: The environment variable read when ``--scheduler`` is not given.
SCHEDULER_ENV = "QNETS_SCHEDULER"
#: The environment variables read when ``--tls-ca``, ``--tls-cert``, ``--tls-key`` are not given.
TLS_ENV = {"ca": "QNETS_TLS_CA", "cert": "QNETS_TLS_CERT", "key": "QNETS_TLS_KEY"}
#: The protocols a scheduler address may use.
PROTOCOLS = ("tcp", "tls")
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 3.0
#: Seconds between two looks at the cluster while waiting for results.
POLL_SECONDS = 1.0
#: Seconds a run waits with no worker in the cluster before it stops.
NO_WORKER_SECONDS = 30.0


@dataclass(frozen=True)
class TLSFiles:
    """The PEM files of a TLS connection to a Dask scheduler: the CA that signed the cluster's
    certificates, and this client's certificate and key."""

    ca: str
    cert: str
    key: str

    def __post_init__(self) -> None:
        for kind, path in (("ca", self.ca), ("cert", self.cert), ("key", self.key)):
            if not Path(path).is_file() or not os.access(path, os.R_OK):
                raise InputError(f"--tls-{kind} {path!r} is not a readable file")

    def security(self) -> Any:
        """The ``distributed.Security`` of these files, encryption required."""
        from distributed import Security

        return Security(
            tls_ca_file=self.ca, tls_client_cert=self.cert, tls_client_key=self.key, require_encryption=True
        )


def tls_files(ca: str | None, cert: str | None, key: str | None) -> TLSFiles | None:
    """The TLS files of the options, or of ``QNETS_TLS_*`` for those not given; None if none is set.

    Raises
    ------
    InputError
        Naming the options, when only some of the three are given.
    """
    given = {"ca": ca, "cert": cert, "key": key}
    chosen = {kind: os.environ.get(TLS_ENV[kind]) or None if value is None else value for kind, value in given.items()}
    if not any(chosen.values()):
        return None
    missing = [f"--tls-{kind} (or {TLS_ENV[kind]})" for kind, value in chosen.items() if not value]
    if missing:
        raise InputError(f"a TLS connection needs --tls-ca, --tls-cert and --tls-key; missing {', '.join(missing)}")
    return TLSFiles(str(chosen["ca"]), str(chosen["cert"]), str(chosen["key"]))


def check_address(address: str, tls: TLSFiles | None) -> tuple[str, str, int]:
    """``(protocol, host, port)`` of ``address``, or an InputError naming ``--scheduler``: an
    unsupported protocol, a malformed address, TLS files for a TCP scheduler or none for TLS."""
    if not address.strip():
        raise InputError("--scheduler must be a Dask scheduler address such as tls://host:8786, got ''")
    protocol, _, location = address.rpartition("://") if "://" in address else ("tcp", "", address)
    if protocol not in PROTOCOLS:
        raise InputError(
            f"--scheduler {address!r} uses the protocol {protocol!r}; qnets connects over "
            f"{' or '.join(p + '://' for p in PROTOCOLS)} only"
        )
    host, _, port_text = location.rpartition(":")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"--scheduler {address!r} is not a Dask scheduler address such as tls://host:8786")
    if protocol == "tls" and tls is None:
        raise InputError(f"--scheduler {address} is a TLS address: give --tls-ca, --tls-cert and --tls-key")
    if protocol == "tcp" and tls is not None:
        raise InputError(f"--tls-ca, --tls-cert and --tls-key need a tls:// scheduler, got --scheduler {address}")
    return protocol, host.strip("[]"), int(port_text)


def connect(address: str, tls: TLSFiles | None) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``, or an InputError naming
    ``--scheduler``.  The address is first probed with a plain socket, so a refused or
    unreachable scheduler is reported within ``CONNECT_TIMEOUT`` seconds."""
    _, host, port = check_address(address, tls)
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            "--scheduler needs dask.distributed: install the extra with pip install 'qnets[distributed]'"
        ) from None
    unreachable = (
        f"--scheduler {address}: no Dask scheduler answered within {CONNECT_TIMEOUT:.0f} s; start one with "
        f"`dask scheduler`, or drop --scheduler (and unset {SCHEDULER_ENV}) to run locally"
    )
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError:
        raise InputError(unreachable) from None
    security = tls.security() if tls is not None else None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False, security=security)
    except Exception as error:  # whatever answered is not a usable scheduler, or refused our certificate
        raise InputError(f"{unreachable} ({type(error).__name__}: {error})") from None


def _workers(client: Any) -> int | None:
    """The number of workers the scheduler knows, or None when the scheduler does not answer."""
    try:
        return len(client.scheduler_info(n_workers=-1)["workers"])
    except Exception:  # a lost connection shows as any of several comm and timeout errors
        return None


def map_on_cluster(
    address: str,
    tls: TLSFiles | None,
    task: Callable[[Any], Any],
    items: list,
    collect: Callable[[int, Any], None],
    poll_seconds: float | None = None,
    no_worker_seconds: float | None = None,
) -> None:
    """Run ``task`` on every item on the cluster, passing each result to ``collect(index, result)``
    as it arrives; stop with a :class:`RunFaultError` naming ``--scheduler`` when the cluster has had
    no worker for ``no_worker_seconds`` (default :data:`NO_WORKER_SECONDS`) or its scheduler stops
    answering; it looks every ``poll_seconds`` (default :data:`POLL_SECONDS`)."""
    poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
    no_worker_seconds = NO_WORKER_SECONDS if no_worker_seconds is None else no_worker_seconds
    from concurrent.futures import CancelledError

    from distributed import wait
    from distributed.comm.core import CommClosedError

    client = connect(address, tls)
    pending: set = set()
    try:
        with client.as_current():
            futures = client.map(task, items, pure=False)
            index = {future.key: position for position, future in enumerate(futures)}
            pending, idle = set(futures), 0.0
            while pending:
                try:
                    done, pending = wait(pending, timeout=poll_seconds, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                except (CancelledError, CommClosedError) as error:
                    raise RunFaultError(f"--scheduler {address}: lost the Dask scheduler ({error})") from None
                for future in done:
                    try:
                        result = future.result()
                    except (CancelledError, CommClosedError) as error:  # not the task's own error
                        raise RunFaultError(f"--scheduler {address}: lost the Dask scheduler ({error})") from None
                    collect(index[future.key], result)
                if done or not pending:
                    idle = 0.0
                    continue
                workers = _workers(client)
                if workers is None:
                    raise RunFaultError(f"--scheduler {address}: the Dask scheduler stopped answering")
                idle = idle + poll_seconds if workers == 0 else 0.0
                if idle >= no_worker_seconds:
                    raise RunFaultError(
                        f"--scheduler {address}: the cluster has had no worker for {no_worker_seconds:.0f} s; "
                        f"{len(pending)} of {len(items)} tasks were not run"
                    )
    finally:
        _close(client, list(pending))


def _close(client: Any, unfinished: list) -> None:
    """Cancel the ``unfinished`` futures and close ``client``, within ``CONNECT_TIMEOUT`` seconds
    even when the scheduler is gone."""
    with suppress(Exception):  # the scheduler may be gone: nothing is left to cancel then
        if unfinished:
            client.cancel(unfinished, asynchronous=False)
    with suppress(Exception):  # likewise: a client of a dead scheduler cannot close cleanly
        client.close(timeout=CONNECT_TIMEOUT)
