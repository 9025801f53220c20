"""The optional language model behind a small protocol, and its Anthropic implementation.

The graph receives an `LLMClient` through `GenerateOptions`, never a global, so tests pass a fake.
Only SQL text and schema metadata are ever sent (see `generate.candidates`); never table data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from ..model.errors import InputError

API_KEY_VARIABLE = "ANTHROPIC_API_KEY"
DEFAULT_MODEL = "claude-sonnet-5-5"
PROVIDERS = ("anthropic",)
MAX_TOKENS = 4096

_STRING = r"(?:'[^'{}]*'|\"[^\"{}]*\")"
_VALUE = rf"(?:{_STRING}|-?\d+(?:\.\d+)?|none|true|false|None|True|False)"
_ALLOWED_JINJA = re.compile(
    rf"\{{\{{\s*(?:(?:ref|source|var)\(\s*{_STRING}(?:\s*,\s*{_VALUE})?\s*\)|this)\s*\}}\}}"
    rf"|\{{\{{\s*config\((?:\s*\w+\s*=\s*(?:{_VALUE}|\[[^\]{{}}]*\])\s*,?)*\s*\)\s*\}}\}}"
)
_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/|\(|\{\{\s*config\(.*?\)\s*\}\})*", re.DOTALL)
_FENCED = re.compile(r"```[ \t]*(?:sql|jinja|jinja2)?[ \t]*\n(.*?)```", re.IGNORECASE | re.DOTALL)


class LLMError(Exception):
    """The model gave no usable answer. The message is one line, safe to show (never a secret)."""


class LLMClient(Protocol):
    name: str
    """Who writes the SQL, for header comments and the report: 'anthropic claude-…'."""

    def complete(self, system: str, prompt: str) -> str:
        """The model's reply text to one prompt. Raises LLMError (this object gets no answer) or
        InputError (no call can succeed: the key is refused)."""
        ...


def sql_from_reply(reply: str) -> str:
    """The SQL of the first fenced block of a reply, without a trailing semicolon. Raises LLMError."""
    found = _FENCED.search(reply)
    if found is None:
        raise LLMError("the reply holds no ```sql block")
    sql = found.group(1).strip().rstrip(";").rstrip()
    skipped = _LEADING.match(sql)  # comments, config() and opening parentheses before the query
    assert skipped is not None  # a pattern that matches the empty text too
    leading = skipped.end()
    if not re.match(r"(select|with)\b", sql[leading:], re.IGNORECASE):
        raise LLMError("the reply's SQL block is not a SELECT")
    if re.search(r"\{[{%#]", _ALLOWED_JINJA.sub("", sql)):
        # the model runs inside dbt, where Jinja can read the environment (the API key) or run
        # queries: only ref(), source(), var(), config() and this are let through
        raise LLMError("the reply's SQL holds Jinja other than ref(), source(), var() or config()")
    return sql


class AnthropicClient:
    """The Messages API through the official SDK: bounded retries (the SDK honours retry-after)
    and a timeout per request."""

    def __init__(
        self,
        api_key: str,
        model: str = DEFAULT_MODEL,
        *,
        timeout: float = 120.0,
        max_retries: int = 2,
        http_client: Any = None,
        base_url: str | None = None,
    ) -> None:
        import anthropic

        self.name = f"anthropic {model}"
        self.model = model
        self._timeout = timeout
        self._max_retries = max_retries
        self._client = anthropic.Anthropic(
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            base_url=base_url,
        )

    def complete(self, system: str, prompt: str) -> str:
        import anthropic

        try:
            message = self._client.messages.create(
                model=self.model,
                max_tokens=MAX_TOKENS,
                system=system,
                messages=[{"role": "user", "content": prompt}],
            )
        except anthropic.APITimeoutError:
            raise LLMError(f"the Anthropic API did not answer within {self._timeout:g}s") from None
        except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
            # every other call would be refused the same way: stop the run, not one object
            raise InputError(
                f"the Anthropic API refused the key (HTTP {exc.status_code}): check {API_KEY_VARIABLE}"
            ) from None
        except anthropic.RateLimitError:
            raise LLMError(f"rate limited by the Anthropic API (429), {self._retried}") from None
        except anthropic.APIStatusError as exc:
            raise LLMError(f"the Anthropic API answered HTTP {exc.status_code}, {self._retried}") from None
        except anthropic.APIConnectionError:
            raise LLMError(f"cannot reach the Anthropic API, {self._retried}") from None
        except (anthropic.AnthropicError, ValueError) as exc:  # ValueError: a body that is not JSON
            raise LLMError(f"the Anthropic API's reply could not be read ({type(exc).__name__})") from None
        try:
            text = "".join(block.text for block in message.content if block.type == "text")
        except (AttributeError, TypeError):
            raise LLMError("the Anthropic API's reply is not a Messages API message") from None
        if not text.strip():
            raise LLMError(f"the Anthropic API's reply has no text (stop reason {message.stop_reason})")
        return text

    @property
    def _retried(self) -> str:
        return f"after {self._max_retries} retr{'y' if self._max_retries == 1 else 'ies'}"


def llm_client(provider: str | None, model: str | None, environ: Mapping[str, str]) -> LLMClient | None:
    """The client `--llm provider` asks for, or None without one. Raises InputError (unknown
    provider, no API key): the key is read only from the environment and never shown."""
    if provider is None:
        return None
    if provider.lower() not in PROVIDERS:
        raise InputError(f"--llm {provider}: unknown provider; the one supported is {', '.join(PROVIDERS)}")
    key = environ.get(API_KEY_VARIABLE, "").strip()
    if not key:
        raise InputError(
            f"--llm anthropic needs an API key: set {API_KEY_VARIABLE} (it is never taken from the command line)"
        )
    return AnthropicClient(key, model or DEFAULT_MODEL)
