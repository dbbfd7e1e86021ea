"""Fault injection: kill -9 then resume, SIGTERM, a full disk, a corrupted cache, two runs on one
``--out``, a lost Dask cluster and a TLS cluster.  Each asserts no traceback, no half-written file,
no process left behind, and the same results after a resume.

The command-line runs use ``tests/faults_run.py`` (``qnets reproduce`` on slow stand-in checks).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qnets import cluster, parallel
from qnets.errors import InputError, RunFaultError
from qnets.pipeline.cache import CHECKSUM_FIELD, KEY_FIELD, checksum_of

SCRIPT = Path(__file__).with_name("faults_run.py")
#: No process of a run may outlive its parent by more than this (issue 22).
ORPHAN_SECONDS = 2.0


def start(out: Path, *options: str) -> subprocess.Popen:
    """``reproduce`` on the stand-in checks, on two local workers, into ``out``."""
    command = [sys.executable, str(SCRIPT), "--out", str(out), "--jobs", "2", "--quiet", *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux ``/proc``)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for_workers(process: subprocess.Popen, count: int = 2, timeout: float = 30.0) -> list[int]:
    """The pool workers of ``process``, once ``count`` of them have started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = children(process.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.05)
    raise AssertionError(f"the run started {children(process.pid)} workers, expected {count}")


def assert_all_end_within(pids: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not [pid for pid in pids if alive(pid)], "processes outlived their parent"


def verdicts(out: Path) -> bytes:
    return (out / "verdicts.json").read_bytes()


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> bytes:
    """``verdicts.json`` of an uninterrupted run."""
    out = tmp_path_factory.mktemp("clean")
    done = start(out)
    assert done.wait(120) == 0, done.stderr.read()
    return verdicts(out)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_kill_9_at_a_random_moment_leaves_no_process_and_the_resume_gives_the_same_verdicts(tmp_path, clean_run, seed):
    run = start(tmp_path)
    workers = wait_for_workers(run)
    time.sleep(random.Random(seed).uniform(0.0, 1.5))
    run.kill()
    run.wait(10)
    assert_all_end_within(workers, ORPHAN_SECONDS)
    resumed = start(tmp_path)
    assert resumed.wait(120) == 0 and "Traceback" not in resumed.stderr.read()
    assert verdicts(tmp_path) == clean_run
    assert not list(tmp_path.rglob("*.tmp-*"))


@pytest.mark.parametrize(("name", "status"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_sigterm_and_sighup_stop_the_run_like_ctrl_c(tmp_path, name, status):
    run = start(tmp_path)
    workers = wait_for_workers(run)
    time.sleep(0.6)
    run.send_signal(getattr(signal, name))
    assert run.wait(10) == status
    assert run.stderr.read() == (
        f"qnets reproduce: stopped by {name}; the tasks that finished are in {tmp_path}/cache: re-run the same "
        "command to resume\n"
    )
    assert_all_end_within(workers, ORPHAN_SECONDS)
    assert not list(tmp_path.rglob("*.tmp-*")) and not (tmp_path / "verdicts.json").exists()


def test_a_full_disk_ends_the_run_with_one_line_naming_the_file_and_keeps_the_cache(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        run = start(disk)
        assert run.wait(120) == 1
        *warnings, error = run.stderr.read().splitlines()
        assert "Traceback" not in error and error.startswith("qnets reproduce: error: could not write ")
        assert error.endswith("(No space left on device)")
        # before the end, only cache entries that did not fit were reported: the run used them uncached
        assert all(line.startswith("warning: cache: cannot store ") for line in warnings)
        assert not list(disk.rglob("*.tmp-*"))
        for entry in (disk / "cache").glob("*.npz"):  # what was stored is whole: its checksum holds
            with np.load(entry) as stored:
                arrays = {name: stored[name] for name in stored.files}
            arrays.pop(KEY_FIELD)
            assert str(arrays.pop(CHECKSUM_FIELD)) == checksum_of(arrays)
        names = [path.name for path in disk.iterdir()]
        assert "report.md" not in names and "verdicts.json" not in names  # nothing half-done was written
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_cache_entry_replaced_by_a_named_pipe_is_recomputed_not_waited_on(tmp_path, clean_run):
    first = start(tmp_path)
    assert first.wait(120) == 0
    entry = next((tmp_path / "cache").glob("check-C1-*.npz"))
    entry.unlink()
    os.mkfifo(entry)
    again = start(tmp_path)
    assert again.wait(60) == 0
    assert f"warning: cache entry {entry.name} is not a regular file; recomputing" in again.stderr.read()
    assert verdicts(tmp_path) == clean_run and entry.is_file()


def test_two_runs_on_one_out_both_finish_with_the_same_verdicts(tmp_path, clean_run):
    one, two = start(tmp_path), start(tmp_path)
    assert one.wait(120) == 0 and two.wait(120) == 0
    assert verdicts(tmp_path) == clean_run
    assert not list(tmp_path.rglob("*.tmp-*"))


def _square(x: float) -> float:
    return x * x


def _sleep_then_square(x: float) -> float:
    time.sleep(60)
    return x * x


def test_losing_every_dask_worker_ends_the_run_naming_the_scheduler(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(cluster, "NO_WORKER_SECONDS", 3.0)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as local:
        backend = parallel.Backend(scheduler=local.scheduler_address)
        assert backend.map(_square, [3.0]) == [9.0]  # the cluster works, then loses its one worker for good
        threading.Timer(1.0, local.scale, args=(0,)).start()
        started = time.monotonic()
        with pytest.raises(RunFaultError, match=rf"^--scheduler {local.scheduler_address}: the cluster has had no"):
            backend.map(_sleep_then_square, [1.0, 2.0])
        assert time.monotonic() - started < 30


def test_losing_the_dask_scheduler_ends_the_run_naming_it():
    distributed = pytest.importorskip("distributed")
    local = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    address = local.scheduler_address
    threading.Timer(1.5, local.close).start()
    started = time.monotonic()
    with pytest.raises(RunFaultError, match=rf"^--scheduler {address}: (lost the Dask scheduler|the Dask scheduler)"):
        parallel.Backend(scheduler=address).map(_sleep_then_square, [1.0])
    assert time.monotonic() - started < 40


def _certificates(folder: Path, name: str) -> dict[str, str]:
    """A throw-away CA and a certificate and key it signs for 127.0.0.1, as PEM files in ``folder``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def key_pem(key) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = {"ca": folder / f"{name}-ca.pem", "cert": folder / f"{name}-cert.pem", "key": folder / f"{name}-key.pem"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(key_pem(key))
    return {kind: str(path) for kind, path in files.items()}


def test_a_tls_cluster_serves_its_certificate_holders_and_refuses_other_clients(tmp_path):
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    own, other = _certificates(tmp_path, "own"), _certificates(tmp_path, "other")
    security = distributed.Security(
        tls_ca_file=own["ca"],
        tls_scheduler_cert=own["cert"],
        tls_scheduler_key=own["key"],
        tls_worker_cert=own["cert"],
        tls_worker_key=own["key"],
        tls_client_cert=own["cert"],
        tls_client_key=own["key"],
        require_encryption=True,
    )
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        protocol="tls://",
        security=security,
        dashboard_address=None,
    ) as local:
        address = local.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        holder = parallel.Backend(scheduler=address, tls=cluster.TLSFiles(own["ca"], own["cert"], own["key"]))
        assert holder.map(_square, [3.0, 4.0]) == [9.0, 16.0]
        stranger = parallel.Backend(scheduler=address, tls=cluster.TLSFiles(other["ca"], other["cert"], other["key"]))
        with pytest.raises(InputError, match=rf"^--scheduler {address}: no Dask scheduler answered"):
            stranger.map(_square, [3.0])
        with pytest.raises(InputError, match="is a TLS address: give --tls-ca, --tls-cert and --tls-key"):
            parallel.Backend(scheduler=address)
        with pytest.raises(InputError, match="need a tls:// scheduler"):
            parallel.Backend(scheduler=address.replace("tls://", "tcp://"), tls=holder.tls)
