"""Load benchmark of ``claimlint serve``: concurrent clients, no request lost, p50/p99 latency.

    python benchmarks/service_load.py                       # 20 clients, 1,000 requests
    python benchmarks/service_load.py --clients 50 --requests 5000 --jobs 4

Starts the real server (``python -m claimlint serve``) on a free loopback port with a random
token, waits for ``/healthz``, then has ``--clients`` concurrent clients (httpx, one
connection each) send ``--requests`` ``POST /v1/lint`` requests in all. Each request carries a
different one-claim JSON batch (claim id ``LOAD-000042``) with one deliberate defect, and its
answer must be a 200 report that names exactly that claim: a request lost, answered twice or
answered with another request's report counts as an error. Writes the table to
``benchmarks/service-results.md`` (``--out``). ``tests/test_service.py`` runs the same code
with smaller numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]


# -- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    token: str | None
    log: Path
    process: subprocess.Popen[bytes]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_server(
    log: Path,
    *args: str,
    token: str | None = "",
    env: dict[str, str] | None = None,
    wait: float = 60.0,
) -> Iterator[Server]:
    """``claimlint serve`` in a subprocess on a free loopback port, its stderr in ``log``;
    ready when ``/healthz`` answers. ``token=""`` makes a random one, ``None`` runs without
    (pass ``--insecure-local``). Stopped with SIGTERM on the way out."""
    if token == "":
        token = secrets.token_urlsafe(32)
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "CLAIMLINT_TOKEN"}
    if token:
        environ["CLAIMLINT_TOKEN"] = token
    environ.update(env or {})
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "claimlint", "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environ,
            cwd=ROOT,
        )
    server = Server(url, token, log, process)
    try:
        end = time.monotonic() + wait
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"claimlint serve exited {process.returncode}: {server.log_text()}"
                )
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"claimlint serve did not answer in {wait} s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- the load --------------------------------------------------------------------------------


def claim_id(n: int) -> str:
    return f"LOAD-{n:06d}"


def claim_body(n: int) -> bytes:
    """A one-claim JSON batch (synthetic) whose D2150 (2 surfaces) lists 3: one CL301."""
    day = "2025-11-07"
    claim = {
        "claim_id": claim_id(n),
        "payer_id": "SYNPAYER1",
        "plan_id": "GOLD",
        "billing_provider": {
            "npi": "1234567893",
            "tax_id": "123456789",
            "postal_code": "627010001",
        },
        "rendering_provider": {"npi": "1234567893"},
        "subscriber": {
            "member_id": f"SYN{n:08d}",
            "first_name": "ALPHA",
            "last_name": "TESTPATIENT",
            "birth_date": "1980-01-01",
        },
        "patient_is_subscriber": True,
        "date_of_service": day,
        "total_charge": 217,
        "place_of_service": "11",
        "frequency_code": "1",
        "lines": [
            {
                "line_number": 1,
                "code": "D2150",
                "charge": 217,
                "tooth": "4",
                "surfaces": "MOD",
                "date_of_service": day,
            }
        ],
    }
    return orjson.dumps({"claims": [claim]})


@dataclass
class LoadResult:
    clients: int
    requests: int
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    #: request number -> what went wrong (a status other than 200, a transport error, a
    #: report that does not name the request's claim)
    errors: dict[int, str] = field(default_factory=dict)
    answered: set[int] = field(default_factory=set)

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency in seconds (nearest rank)."""
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        rank = max(1, min(len(data), round(p / 100 * len(data) + 0.5)))
        return data[rank - 1]

    @property
    def lost(self) -> int:
        return self.requests - len(self.answered)


async def _client(
    url: str, headers: dict[str, str], numbers: asyncio.Queue[int], result: LoadResult
) -> None:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        while True:
            try:
                n = numbers.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            try:
                response = await client.post("/v1/lint", content=claim_body(n))
            except httpx.HTTPError as exc:
                result.errors[n] = f"{type(exc).__name__}: {exc}"
                continue
            result.latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                result.errors[n] = f"status {response.status_code}"
                continue
            report = response.json()
            ids = {f["location"]["claim_id"] for f in report["findings"]}
            if ids != {claim_id(n)} or report["summary"]["claims_read"] != 1:
                result.errors[n] = f"the answer is about {sorted(map(str, ids))}"
                continue
            if n in result.answered:
                result.errors[n] = "answered twice"
            result.answered.add(n)


async def load(url: str, headers: dict[str, str], clients: int, requests: int) -> LoadResult:
    numbers: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        numbers.put_nowait(n)
    result = LoadResult(clients, requests)
    start = time.perf_counter()
    await asyncio.gather(*(_client(url, headers, numbers, result) for _ in range(clients)))
    result.wall = time.perf_counter() - start
    return result


def run_load(server: Server, clients: int, requests: int) -> LoadResult:
    return asyncio.run(load(server.url, server.headers(), clients, requests))


def table(result: LoadResult, jobs: int) -> str:
    ms = 1000
    return "\n".join(
        [
            "| Clients | Requests | Worker processes | Errors | Lost | Wall s | Requests/s "
            "| p50 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|---|---|",
            f"| {result.clients} | {result.requests:,} | {jobs} | {len(result.errors)} "
            f"| {result.lost} | {result.wall:.1f} | {result.requests / result.wall:.0f} "
            f"| {result.percentile(50) * ms:.1f} | {result.percentile(99) * ms:.1f} "
            f"| {max(result.latencies, default=0) * ms:.1f} |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="the server's worker processes")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "service-results.md"))
    args = parser.parse_args(argv)
    log = Path(args.out).with_suffix(".log")
    with running_server(log, "--jobs", str(args.jobs)) as server:
        result = run_load(server, args.clients, args.requests)
    log.unlink(missing_ok=True)
    text = (
        "# claimlint serve: load\n\n"
        "`python benchmarks/service_load.py` (tests/test_service.py runs the same with fewer "
        "requests). Each request is a one-claim JSON batch with one finding; the answer must be "
        "the report of that very claim. Latency is measured by the client, from sending the "
        "request to having the whole answer.\n\n"
        f"{table(result, args.jobs)}\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}; the clients run on the "
        "same machine as the server (on a shared 2-CPU machine, the 20 clients and the server "
        "compete for the same cores: the latencies are an upper bound).\n"
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    for n, problem in sorted(result.errors.items())[:10]:
        print(f"request {n}: {problem}", file=sys.stderr)
    return 1 if result.errors or result.lost else 0


if __name__ == "__main__":
    sys.exit(main())
