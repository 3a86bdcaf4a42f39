"""``claimlint serve``: the real server on loopback (a subprocess), a real HTTP client (httpx).

The servers are started by ``benchmarks/service_load.py``'s ``running_server`` (the load test
below runs that benchmark's code with fewer requests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest
from conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import service_load
from service_load import Server, claim_body, claim_id, running_server

REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())

#: synthetic identifiers that must never reach the server's log
SECRET_NAME = "ZEBULONQUIXOTE"
SECRET_MEMBER = "MBRSECRET4242"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with running_server(log, "--jobs", "2", "--max-body", "1MB") as srv:
        yield srv


def call(server: Server, path: str, body: bytes, headers: dict[str, str] | None = None, **params):
    return httpx.post(
        f"{server.url}{path}",
        content=body,
        params=params,
        headers=server.headers() if headers is None else headers,
        timeout=60,
    )


def post(server: Server, body: bytes, headers: dict[str, str] | None = None, **params: str):
    return call(server, "/v1/lint", body, headers, **params)


def cli_report(path: Path, *args: str) -> dict:
    """What ``claimlint check --format json`` reports for the same bytes on stdin."""
    proc = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", "-", "--format", "json", "-q", *args],
        input=path.read_bytes(),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def comparable(report: dict) -> list[tuple]:
    return [
        (
            f["code"],
            f["severity"],
            f["message"].replace("<stdin>", "<body>"),
            f["location"]["claim_id"],
            f["location"]["line"],
            f["location"]["field"],
            json.dumps(f["location"]["position"], sort_keys=True),
        )
        for f in report["findings"]
    ]


def jsonl_file(tmp_path: Path) -> Path:
    path = tmp_path / "batch.jsonl"
    claims = json.loads((FIXTURES / "demo" / "batch.json").read_text())["claims"]
    path.write_text("".join(json.dumps(c) + "\n" for c in claims))
    return path


# -- happy paths, one per input format -------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "demo/batch.837",
        "demo/batch.json",
        "batch.jsonl",
        "demo-formats/batch.csv",
        "demo-formats/batch.xml",
    ],
)
def test_lint_returns_the_cli_json_report_for_each_format(server, tmp_path, name):
    path = jsonl_file(tmp_path) if name == "batch.jsonl" else FIXTURES / name
    response = post(server, path.read_bytes())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    report = response.json()
    jsonschema.validate(report, REPORT_SCHEMA)
    expected = cli_report(path)
    assert report["summary"] == expected["summary"]
    assert report["summary"]["claims_read"] > 0
    assert comparable(report) == comparable(expected)
    # the demo batches have errors on purpose: still a 200, the verdict is in the report
    assert report["summary"]["findings_by_severity"]["error"] > 0
    assert response.headers["claimlint-verdict"] == "fail"


def test_query_options_select_ignore_and_fail_on(server):
    body = (FIXTURES / "demo" / "batch.837").read_bytes()
    only = post(server, body, select="CL301").json()
    assert {f["code"] for f in only["findings"]} == {"CL301"}
    both = post(server, body, select=["CL301,CL106"]).json()
    assert {f["code"] for f in both["findings"]} == {"CL301", "CL106"}
    none = post(server, body, select="CL1,CL3", ignore="CL301").json()
    assert {f["code"] for f in none["findings"]} == {
        *("CL106", "CL108", "CL109", "CL118"),
        "CL307",  # the demo's replacement crown without a prior placement date
    }
    # a batch with only warnings (CL502) passes at fail-on=error and fails at fail-on=warning
    warn = post(server, body, select="CL5")
    assert warn.json()["summary"]["findings_by_severity"]["error"] == 0
    assert warn.json()["summary"]["findings_by_severity"]["warning"] > 0
    assert warn.headers["claimlint-verdict"] == "pass"
    assert (
        post(server, body, select="CL5", **{"fail-on": "warning"}).headers["claimlint-verdict"]
        == "fail"
    )


def test_a_clean_batch_passes(server):
    body = claim_body(7).replace(b'"MOD"', b'"MO"')
    response = post(server, body)
    assert response.status_code == 200
    assert response.json()["findings"] == []
    assert response.headers["claimlint-verdict"] == "pass"


def test_format_parameter_overrides_sniffing(server, tmp_path):
    csv = (FIXTURES / "demo-formats" / "batch.csv").read_bytes()
    assert post(server, csv, format="csv").status_code == 200
    # a JSON body declared to be XML is read as XML: it cannot be
    response = post(server, (FIXTURES / "demo" / "batch.json").read_bytes(), format="xml")
    assert response.status_code == 422
    assert {f["code"] for f in response.json()["findings"]} == {"CL001"}
    jsonl = jsonl_file(tmp_path).read_bytes()
    claims = jsonl.count(b"\n")
    assert post(server, jsonl, format="ndjson").json()["summary"]["claims_read"] == claims


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"fail-on": "fatal"}, "fail-on"),
        ({"select": "CL999X"}, "CL999X"),
        ({"format": "pdf"}, "format"),
        ({"csv-mapping": "/etc/passwd"}, "built-in"),
        ({"tooth-numbering": "palmer"}, "tooth-numbering"),
        ({"show-values": "perhaps"}, "show-values"),
    ],
)
def test_a_bad_query_option_is_a_400_that_says_which(server, params, word):
    response = post(server, claim_body(1), **params)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert word in response.json()["message"]


# -- malformed bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        (b'{"claims": [ {"claim_id": ', "CL001", {"line": None}),
        (b'{"foo": 1}', "CL001", {}),
        (b"hello, world\x00\x01", "CL001", {}),
        (b"", "CL001", {}),
        (b"ISA*00*bad~GS*HC~", "CL101", {"segment_id": "ISA"}),
        (b"<claims><claim>", "CL001", {}),
    ],
)
def test_a_malformed_body_is_a_422_with_located_findings(server, body, code, where):
    response = post(server, body)
    assert response.status_code == 422, response.text
    report = response.json()
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["summary"]["claims_read"] == 0
    assert code in {f["code"] for f in report["findings"]}
    finding = next(f for f in report["findings"] if f["code"] == code)
    assert finding["location"]["file"] == "<body>"
    for key, value in where.items():
        if value is not None:
            assert finding["location"]["position"][key] == value
    if body.startswith(b'{"claims": [ {'):
        # the JSON syntax error is located: line 1, the column where the data ends
        assert finding["location"]["position"]["line"] == 1
        assert finding["location"]["position"]["column"] == 27


def test_claims_with_schema_errors_are_a_200_not_a_422(server):
    body = json.dumps({"claims": [{"claim_id": "BAD-1", "lines": "not a list"}]}).encode()
    response = post(server, body)
    assert response.status_code == 200
    summary = response.json()["summary"]
    assert summary["claims_read"] == 1
    assert summary["claims_read"] == summary["claims_linted"] + summary["claims_unparsable"]
    assert "CL002" in {f["code"] for f in response.json()["findings"]}


# -- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-wrong-token-wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Token abcdefghijklmnopqrstuvwxyz"},
    ],
)
def test_lint_needs_the_right_bearer_token(server, headers):
    response = post(server, claim_body(1), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert "findings" not in response.text


def test_a_token_off_by_one_character_is_refused(server):
    assert server.token
    wrong = server.token[:-1] + ("A" if server.token[-1] != "A" else "B")
    assert (
        post(server, claim_body(1), headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    )
    assert post(server, claim_body(1)).status_code == 200


def test_healthz_and_openapi(server):
    health = httpx.get(f"{server.url}/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "version": "0.1.0", "workers": 2}
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    lint = spec["paths"]["/v1/lint"]["post"]
    assert {"200", "400", "401", "408", "413", "422"} <= set(lint["responses"])
    assert {p["name"] for p in lint["parameters"]} >= {
        "format",
        "select",
        "ignore",
        "fail-on",
        "csv-mapping",
    }
    assert "text/csv" in lint["requestBody"]["content"]
    assert spec["components"]["schemas"]["Report"]["title"] == "claimlint report"
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


# -- refusing to start -----------------------------------------------------------------------


def serve_exit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "CLAIMLINT_TOKEN"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "claimlint", "serve", "--port", "1", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (("--host", "0.0.0.0"), {}, "no token"),
        (("--host", "127.0.0.1"), {}, "no token"),
        (("--host", "0.0.0.0", "--insecure-local"), {}, "only on a loopback address"),
        (("--host", "192.168.1.5", "--insecure-local"), {}, "not on 192.168.1.5"),
        ((), {"CLAIMLINT_TOKEN": "short"}, "at least 16 characters"),
        (("--token-file", "/nonexistent/token"), {}, "--token-file /nonexistent/token"),
        (("--max-body", "lots"), {"CLAIMLINT_TOKEN": "x" * 20}, "not a size"),
    ],
)
def test_the_service_refuses_to_start_without_a_safe_token(args, env, says):
    proc = serve_exit(*args, env=env)
    assert proc.returncode == 2
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_insecure_local_runs_without_a_token_on_loopback_only(tmp_path):
    with running_server(tmp_path / "log", "--insecure-local", "--jobs", "2", token=None) as srv:
        response = post(srv, claim_body(3), headers={})
        assert response.status_code == 200
        assert response.json()["findings"][0]["location"]["claim_id"] == claim_id(3)
        assert "WITHOUT a token" in srv.log_text()
        workers = children(srv.process.pid)
    # stopped with SIGTERM: no worker process outlives the server
    if sys.platform.startswith("linux"):
        assert len(workers) >= 2
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if Path(f"/proc/{w}").exists()]


def test_a_token_file_is_read(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("file-token-0123456789abcdef\n")
    with running_server(
        tmp_path / "log", "--token-file", str(token_file), "--jobs", "1", token=None
    ) as srv:
        ok = {"Authorization": "Bearer file-token-0123456789abcdef"}
        assert post(srv, claim_body(1), headers=ok).status_code == 200
        assert post(srv, claim_body(1), headers={}).status_code == 401


# -- limits -----------------------------------------------------------------------------------


def test_a_body_over_max_body_is_a_413(server):
    big = claim_body(1) + b" " * (1_000_001 - len(claim_body(1)))  # 1 byte over 1MB
    response = post(server, big)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert "1000000 bytes" in response.json()["message"]
    # without Content-Length (chunked): counted while it streams in
    chunks = (big[i : i + 65536] for i in range(0, len(big), 65536))
    response = httpx.post(
        f"{server.url}/v1/lint", content=chunks, headers=server.headers(), timeout=60
    )
    assert response.status_code == 413
    # exactly at the limit is read
    assert post(server, big[:-1]).status_code == 200


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve-slow") / "server.log"
    with running_server(log, "--jobs", "1", "--timeout", "0.5") as srv:
        yield srv


def big_batch(claims: int) -> bytes:
    import generate

    return json.dumps(
        {"claims": [generate.claim_json(c) for c in generate.claims(claims, seed=5)]}
    ).encode()


def test_a_request_slower_than_timeout_is_a_408_and_frees_its_worker(slow_server):
    body = big_batch(5000)  # several seconds of linting
    start = time.monotonic()
    response = post(slow_server, body)
    took = time.monotonic() - start
    assert response.status_code == 408
    assert response.json()["error"] == "timeout"
    assert "0.5 s" in response.json()["message"]
    assert took < 5
    # the only worker gave the batch up: the next request is answered at once
    start = time.monotonic()
    assert post(slow_server, claim_body(2)).status_code == 200
    assert time.monotonic() - start < 3


def test_a_body_that_arrives_too_slowly_is_a_408(slow_server):
    def trickle() -> Iterator[bytes]:
        yield b'{"claims": ['
        time.sleep(1.5)
        yield b"]}"

    response = httpx.post(
        f"{slow_server.url}/v1/lint", content=trickle(), headers=slow_server.headers(), timeout=30
    )
    assert response.status_code == 408


def test_requests_beyond_max_requests_are_a_503_before_their_body_is_read(tmp_path):
    """Memory stays bounded: with one request in flight (its body still arriving) and
    --max-requests 1, the next request is answered 503 with Retry-After at once; once the first
    is done, requests are served again."""
    import threading

    first: dict[str, int] = {}

    def trickle() -> Iterator[bytes]:
        yield b'{"claims": ['
        time.sleep(2.0)
        yield b"]}"

    with running_server(
        tmp_path / "log", "--jobs", "1", "--max-requests", "1", "--timeout", "20"
    ) as srv:

        def slow() -> None:
            response = httpx.post(
                f"{srv.url}/v1/lint", content=trickle(), headers=srv.headers(), timeout=30
            )
            first["status"] = response.status_code

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.7)  # the first request is reading its body
        busy = post(srv, claim_body(1))
        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["error"] == "busy"
        thread.join(timeout=30)
        assert first["status"] in (200, 422)  # an empty batch: answered, not refused
        assert post(srv, claim_body(1)).status_code == 200


# -- PHI in the log ---------------------------------------------------------------------------


def test_the_log_has_no_phi_no_body_and_no_query_string(tmp_path):
    claim = json.loads(claim_body(9))
    claim["claims"][0]["subscriber"].update(last_name=SECRET_NAME, member_id=SECRET_MEMBER)
    body = json.dumps(claim).encode()
    with running_server(tmp_path / "log", "--jobs", "1") as srv:
        assert post(srv, body, select=f"CL3,{SECRET_MEMBER}").status_code == 400
        assert post(srv, body, **{"show-values": "true"}).status_code == 200
        assert post(srv, body, ignore="CL301").status_code == 200
        assert post(srv, body[:40]).status_code == 422
        assert post(srv, body, headers={}).status_code == 401
        time.sleep(0.3)
        text = srv.log_text()
    assert SECRET_NAME not in text
    assert SECRET_MEMBER not in text
    assert "CL301" not in text  # not even the query string
    assert "?" not in text
    assert "LOAD-" not in text  # claim ids neither
    # what it does log: method, path, status, duration, counts
    assert "POST /v1/lint 200" in text
    assert "claims=1 linted=1 unparsable=0" in text
    assert "POST /v1/lint 401" in text
    assert "POST /v1/lint 422" in text


# -- load -------------------------------------------------------------------------------------

#: 20 clients as in benchmarks/service_load.py, 300 requests instead of 1,000 (CI's 2 cores are
#: shared; the benchmark runs the full 1,000)
LOAD_CLIENTS, LOAD_REQUESTS = 20, 300


def test_load_loses_no_request(server):
    result = service_load.run_load(server, LOAD_CLIENTS, LOAD_REQUESTS)
    assert result.errors == {}
    assert result.lost == 0
    assert result.answered == set(range(LOAD_REQUESTS))
    assert len(result.latencies) == LOAD_REQUESTS
    assert 0 < result.percentile(50) <= result.percentile(99)
    assert "| 20 | 300 | 2 | 0 | 0 |" in service_load.table(result, 2)


# -- small parts ------------------------------------------------------------------------------


def test_an_internal_error_is_logged_by_its_class_name_only():
    from claimlint.service.pool import _kind

    message = "internal error while checking claim C1 in <body>: KeyError: 'SMITH, JOHN'"
    assert _kind(message) == "KeyError"
    assert _kind("internal error while reading <body>: something: else") == "internal error"


@pytest.mark.parametrize(
    ("text", "size"),
    [("50MB", 50_000_000), ("512k", 512_000), ("1GiB", 1 << 30), ("1000", 1000), ("2 mb", 2e6)],
)
def test_sizes(text, size):
    from claimlint.service.settings import parse_size

    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("::", False), ("10.0.0.1", False),
     ("claimlint.example", False)],
)  # fmt: skip
def test_loopback_addresses(host, loopback):
    from claimlint.service.settings import is_loopback

    assert is_loopback(host) is loopback


# -- POST /v1/split and POST /v1/ack ----------------------------------------------------------


def cli_split(path: Path, tmp_path: Path, *args: str) -> tuple[bytes, bytes, dict]:
    """What ``claimlint split`` writes for the same file."""
    clean, held, report = tmp_path / "clean.out", tmp_path / "held.out", tmp_path / "held.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "claimlint",
            "split",
            str(path),
            "--clean",
            str(clean),
            "--held",
            str(held),
            "--report",
            str(report),
            "-q",
            *args,
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return clean.read_bytes(), held.read_bytes(), json.loads(report.read_text())


@pytest.mark.parametrize("name", ["demo/batch.837", "demo/batch.json", "demo-formats/batch.csv"])
def test_split_answers_the_clean_and_held_outputs_of_claimlint_split(server, tmp_path, name):
    path = FIXTURES / name
    response = call(server, "/v1/split", path.read_bytes(), **{"control-start": "7"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    clean, held, report = cli_split(path, tmp_path, "--control-start", "7")
    encoding = answer["encoding"]
    # the same bytes as the command writes, and the same held claims for the same reasons
    assert answer["clean"].encode(encoding) == clean
    assert answer["held"].encode(encoding) == held
    assert answer["format"] == report["format"]
    assert answer["report"]["claims"] == report["claims"]
    assert answer["report"]["claims"]["held"] > 0  # the demo batches have errors on purpose
    assert [
        (h["claim_id"], [r["code"] for r in h["reasons"]]) for h in answer["report"]["held"]
    ] == [(h["claim_id"], [r["code"] for r in h["reasons"]]) for h in report["held"]]
    assert answer["report"]["input"] == "<body>"
    assert response.headers["claimlint-verdict"] == "fail"
    if name.endswith(".837"):
        assert answer["clean"].startswith("ISA") and answer["held"].startswith("ISA")
        # one counter for ISA13, GS06 and ST02 of both outputs, from control-start
        assert answer["next_control"] > 7
        assert "*000000007*" in answer["clean"]
    else:
        assert answer["next_control"] is None


def test_split_of_a_clean_batch_holds_nothing(server):
    body = claim_body(3).replace(b'"MOD"', b'"MO"')
    response = call(server, "/v1/split", body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["report"]["claims"] == {"read": 1, "clean": 1, "held": 0}
    assert json.loads(answer["clean"])["claims"][0]["claim_id"] == claim_id(3)
    assert json.loads(answer["held"])["claims"] == []
    assert response.headers["claimlint-verdict"] == "pass"


def ack_segments(text: str) -> list[list[str]]:
    from test_acks import segments

    return segments(text)


#: (segment id, element positions) that carry the run's date or time
_DATED = {"ISA": (9, 10), "GS": (4, 5), "BHT": (4, 5), "DTP": (3,), "STC": (2,)}


def undated(segs: list[list[str]]) -> list[list[str]]:
    out = []
    for e in segs:
        e = list(e)
        for k in _DATED.get(e[0], ()):
            if k < len(e):
                e[k] = "<date>"
        out.append(e)
    return out


@pytest.mark.parametrize(
    ("kind", "st01", "version"), [("999", "999", "005010X231A1"), ("277ca", "277", "005010X214")]
)
def test_ack_answers_the_acknowledgment_as_x12(server, kind, st01, version):
    from test_acks import check_envelopes

    path = FIXTURES / "demo" / "batch.837"
    response = call(server, "/v1/ack", path.read_bytes(), type=kind)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/edi-x12")
    assert response.headers["claimlint-verdict"] == "fail"
    segs = ack_segments(response.text)
    check_envelopes(segs, st01, version)
    expected = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", str(path), "--format", kind, "-q"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        text=True,
    )
    assert expected.returncode == 1, expected.stderr
    # the same acknowledgment as the command's, but for the run's date and time
    assert undated(segs) == undated(ack_segments(expected.stdout))
    if kind == "277ca":
        # one answer per claim, tied back to it by its CLM01, some of them rejections
        claims = cli_report(path)["summary"]["claims_read"]
        assert sum(1 for e in segs if e[:2] == ["NM1", "QC"]) == claims > 0
        assert any(e[0] == "STC" and e[3] == "U" for e in segs)


def test_ack_needs_an_837d_and_a_known_type(server):
    body = (FIXTURES / "demo" / "batch.json").read_bytes()
    response = call(server, "/v1/ack", body, type="277ca")
    assert response.status_code == 422
    assert response.json()["error"] == "not_837d"
    x12 = (FIXTURES / "demo" / "batch.837").read_bytes()
    bad = call(server, "/v1/ack", x12, type="835")
    assert bad.status_code == 400
    assert "type" in bad.json()["message"]
    assert call(server, "/v1/ack", x12).status_code == 400  # type is required


@pytest.mark.parametrize("path", ["/v1/split", "/v1/ack?type=999"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-wrong-token-x"}])
def test_split_and_ack_need_the_right_bearer_token(server, path, headers):
    body = (FIXTURES / "demo" / "batch.837").read_bytes()
    response = httpx.post(f"{server.url}{path}", content=body, headers=headers, timeout=60)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert "ISA" not in response.text and "held" not in response.text


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/v1/split", b'{"claims": [ {"claim_id": ', "CL001"),
        ("/v1/split", b"hello, world\x00\x01", "CL001"),
        ("/v1/split", b"ISA*00*bad~GS*HC~", "CL101"),
        ("/v1/ack?type=999", b"ISA*00*bad~GS*HC~", "CL101"),
        ("/v1/ack?type=277ca", b"", "CL001"),
    ],
)
def test_split_and_ack_answer_a_malformed_body_with_a_422_report(server, path, body, code):
    response = httpx.post(f"{server.url}{path}", content=body, headers=server.headers(), timeout=60)
    assert response.status_code == 422, response.text
    report = response.json()
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["summary"]["claims_read"] == 0
    finding = next(f for f in report["findings"] if f["code"] == code)
    assert finding["location"]["file"] == "<body>"
    assert response.headers["claimlint-verdict"] == "fail"


def test_split_and_ack_keep_the_body_limit(server):
    big = b"x" * (1024 * 1024 + 1)
    for path in ("/v1/split", "/v1/ack?type=999"):
        response = httpx.post(f"{server.url}{path}", content=big, headers=server.headers())
        assert response.status_code == 413
        assert response.json()["error"] == "body_too_large"


def test_openapi_describes_split_and_ack(server):
    spec = httpx.get(f"{server.url}/openapi.json").json()
    split = spec["paths"]["/v1/split"]["post"]
    ack = spec["paths"]["/v1/ack"]["post"]
    assert {"200", "401", "413", "422"} <= set(split["responses"]) & set(ack["responses"])
    assert {p["name"] for p in split["parameters"]} >= {
        "format",
        "select",
        "fail-on",
        "control-start",
    }
    assert {p["name"] for p in ack["parameters"]} >= {"type", "select", "fail-on"}
    assert "application/edi-x12" in ack["responses"]["200"]["content"]
    schema = spec["components"]["schemas"]["Split"]
    assert set(schema["required"]) >= {"clean", "held", "report", "encoding"}
