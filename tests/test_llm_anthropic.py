"""The real Anthropic client (the official SDK) against a local transport: no network.

`tests/fixtures/anthropic/*.json` are shaped like the Messages API's responses and errors. The
SDK's own retry logic runs for real (it honours retry-after); only the HTTP transport is local.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate
from datamigrate_cli.generate.llm import (
    API_KEY_VARIABLE,
    DEFAULT_MODEL,
    AnthropicClient,
    LLMError,
    llm_client,
)
from datamigrate_cli.model.errors import InputError
from datamigrate_cli.model.results import Status

FIXTURES = Path(__file__).parent / "fixtures"
REPLIES = FIXTURES / "anthropic"
SECRET = "sk-ant-api03-TEST-7f3c9e1d-never-show-me"


def reply(status: int, fixture: str | None = None, headers: dict | None = None, body: bytes | None = None):
    content = (REPLIES / fixture).read_bytes() if fixture else body or b""
    kind = {"content-type": "application/json"} if fixture else {"content-type": "text/html"}
    return lambda request: httpx2.Response(status, content=content, headers={**kind, **(headers or {})})


def timeout(request):
    raise httpx2.ReadTimeout("timed out", request=request)


class Recorded:
    """A local transport that replays responses in order (the last one repeats) and records requests."""

    def __init__(self, *responses: Callable) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.responses)) - 1
        return self.responses[index](request)

    def client(self, max_retries: int = 2) -> AnthropicClient:
        transport = httpx2.MockTransport(self)
        return AnthropicClient(
            SECRET, max_retries=max_retries, timeout=5, http_client=httpx2.Client(transport=transport)
        )


OK = reply(200, "message_sql.json")
SQL_TEXT = "select customer_id, name\nfrom {{ ref('stg_shop__customer') }}"

CASES = {
    # name: (responses, error it ends in or None, requests made)
    "answer": ((OK,), None, 1),
    "429 then answer": ((reply(429, "error_429.json", {"retry-after": "0.01"}), OK), None, 2),
    "429 every time": ((reply(429, "error_429.json", {"retry-after": "0.01"}),), r"rate limited .*\(429\), after 2 retries", 3),
    "500 every time": ((reply(500, "error_500.json"),), "HTTP 500, after 2 retries", 3),
    "529 overloaded": ((reply(529, "error_529.json", {"retry-after": "0.01"}),), "HTTP 529, after 2 retries", 3),
    "529 then answer": ((reply(529, "error_529.json", {"retry-after": "0.01"}), OK), None, 2),
    "timeout": ((timeout,), "did not answer within 5s", 3),
    "not json": ((reply(200, body=b"<html>502 Bad Gateway</html>"),), "not a Messages API message", 1),
    "broken json": ((lambda r: httpx2.Response(200, content=b'{"id": "msg_', headers={"content-type": "application/json"}),), "could not be read", 1),
    "no text": ((reply(200, "message_empty.json"),), "has no text", 1),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_the_client_answers_or_raises_one_readable_error(case: str) -> None:
    responses, error, requests = CASES[case]
    transport = Recorded(*responses)
    client = transport.client()
    if error is None:
        assert SQL_TEXT in client.complete("system", "prompt")
    else:
        with pytest.raises(LLMError, match=error) as raised:
            client.complete("system", "prompt")
        assert SECRET not in str(raised.value) and "\n" not in str(raised.value)
    assert len(transport.requests) == requests


def test_a_refused_key_stops_the_run_in_one_line(catalog, tmp_path: Path) -> None:
    """401: every call would be refused alike, so the run stops instead of asking for each object."""
    transport = Recorded(reply(401, "error_401.json"))
    with pytest.raises(InputError, match=r"refused the key \(HTTP 401\): check ANTHROPIC_API_KEY") as raised:
        generate(catalog, tmp_path / "p", project_name="loop", llm=transport.client())
    assert SECRET not in str(raised.value) and "\n" not in str(raised.value)
    assert len(transport.requests) == 1 and not (tmp_path / "p").exists()


def test_the_request_is_a_messages_api_call_with_the_key_only_in_its_header() -> None:
    transport = Recorded(OK)
    transport.client().complete("the system prompt", "the prompt")
    (request,) = transport.requests
    assert request.url.path == "/v1/messages" and request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {SECRET}"  # this SDK version sends the key so
    body = json.loads(request.content)
    assert body["model"] == DEFAULT_MODEL and body["max_tokens"] > 0
    assert body["system"] == "the system prompt"
    assert body["messages"] == [{"role": "user", "content": "the prompt"}]
    assert SECRET not in request.content.decode()


# ------------------------------------------------------------------------- the pipeline survives
@pytest.fixture(scope="module")
def catalog():
    catalog, _ = extract_scripts([FIXTURES / "loop.sql"])
    return catalog


def _project_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())


@pytest.mark.dbt
def test_the_loop_with_the_real_client_sends_metadata_only_and_writes_its_models(
    catalog, tmp_path: Path
) -> None:
    transport = Recorded(OK)
    result = generate(catalog, tmp_path / "p", project_name="loop", llm=transport.client())
    legacy = next(o for o in result.objects if o.name == "[shop].[Legacy]")
    assert legacy.status == Status.CONVERTED_WITH_WARNINGS
    assert tuple(map(str, legacy.reasons)) == (f"DM601 written by anthropic {DEFAULT_MODEL}; review it",)
    assert (
        f"written by a language model (anthropic {DEFAULT_MODEL})"
        in (tmp_path / "p" / "models" / "marts" / "shop" / "shop__legacy.sql").read_text()
    )
    assert len(transport.requests) == 2  # Legacy and VisitCounts; CustomerSpend converted by the rules
    for request in transport.requests:
        body = request.content.decode()
        for value in ("Zebulon", "Quartermaine", "987654", "2024-02-29", "INSERT INTO shop."):
            assert value not in body  # the rows loop.sql inserts never leave the machine
        assert SECRET not in body
    assert SECRET not in _project_text(tmp_path / "p")


@pytest.mark.dbt
@pytest.mark.parametrize("case", ["429 every time", "529 overloaded", "timeout", "broken json", "no text"])
def test_the_pipeline_survives_a_failing_api(catalog, tmp_path: Path, case: str) -> None:
    responses, error, _ = CASES[case]
    assert error is not None  # a case that ends in an error
    result = generate(
        catalog, tmp_path / "p", project_name="loop", llm=Recorded(*responses).client(max_retries=1)
    )
    for name in ("[shop].[Legacy]", "[shop].[VisitCounts]"):
        obj = next(o for o in result.objects if o.name == name)
        assert obj.status == Status.NEEDS_REVIEW
        assert str(obj.reasons[-1]).startswith("DM602 no answer: ")
    report = (tmp_path / "p" / "migration_report.md").read_text()
    assert "| [DM602](#dm602) | info | language model gave no answer | no answer: " in report
    assert (
        "config(enabled=false)"
        in (tmp_path / "p" / "models" / "marts" / "shop" / "shop__legacy.sql").read_text()
    )
    assert SECRET not in _project_text(tmp_path / "p")


@pytest.mark.dbt
def test_a_reply_without_sql_leaves_the_object_for_review(catalog, tmp_path: Path) -> None:
    result = generate(
        catalog, tmp_path / "p", project_name="loop", llm=Recorded(reply(200, "message_no_sql.json")).client()
    )
    legacy = next(o for o in result.objects if o.name == "[shop].[Legacy]")
    assert legacy.status == Status.NEEDS_REVIEW
    assert str(legacy.reasons[-1]) == "DM602 no answer: the reply holds no ```sql block"


# ------------------------------------------------------------------------- the key and the command line
def test_no_key_is_one_readable_error() -> None:
    with pytest.raises(InputError, match=API_KEY_VARIABLE):
        llm_client("anthropic", None, {})
    with pytest.raises(InputError, match="unknown provider"):
        llm_client("openai", None, {API_KEY_VARIABLE: SECRET})
    assert llm_client(None, None, {API_KEY_VARIABLE: SECRET}) is None
    assert (
        llm_client("anthropic", "claude-haiku-4-5", {API_KEY_VARIABLE: SECRET}).name
        == "anthropic claude-haiku-4-5"
    )


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")} | env
    return subprocess.run(
        [sys.executable, "-m", "datamigrate_cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


@pytest.mark.process
def test_cli_llm_without_a_key_exits_2_with_one_line(tmp_path: Path) -> None:
    snapshot = tmp_path / "schema.json"
    assert _cli("extract", "--ddl", str(FIXTURES / "loop.sql"), "-o", str(snapshot), env={}).returncode == 0
    result = _cli("generate", str(snapshot), "-o", str(tmp_path / "p"), "--llm", "anthropic", env={})
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and API_KEY_VARIABLE in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.process
def test_cli_llm_with_an_unreachable_api_completes_and_never_shows_the_key(tmp_path: Path) -> None:
    """A closed local port stands in for the API: the SDK retries, gives up, the run goes on."""
    snapshot = tmp_path / "schema.json"
    assert _cli("extract", "--ddl", str(FIXTURES / "loop.sql"), "-o", str(snapshot), env={}).returncode == 0
    env = {API_KEY_VARIABLE: SECRET, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    result = _cli(
        "generate",
        str(snapshot),
        "-o",
        str(tmp_path / "p"),
        "--llm",
        "anthropic",
        "--max-repairs",
        "1",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.stdout + result.stderr
    assert "2 need review" in result.stdout
    report = json.loads((tmp_path / "p" / "migration_report.json").read_text())
    legacy = next(o for o in report["objects"] if o["name"] == "[shop].[Legacy]")
    last = legacy["issues"][-1]
    assert last["code"] == "DM602" and last["message"].startswith("no answer: cannot reach the Anthropic API")
    assert SECRET not in _project_text(tmp_path / "p")


@pytest.mark.process
def test_generation_without_llm_does_not_load_the_sdk() -> None:
    """The offline path never imports anthropic: nothing of it can reach the network."""
    code = (
        "import sys, datamigrate_cli.generate, datamigrate_cli.cli.app; "
        "assert 'anthropic' not in sys.modules, 'anthropic was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
