"""A successful answer's body as a model, or an `InvalidResponseError` saying what was wrong.

The one place where the facade, the pagers and the generated operations turn a body into a
model: a body that is not JSON (cut off, not UTF-8, an HTML page), JSON of another shape than
the model's, or Sage's error list where a record was due raises `InvalidResponseError` naming
the method, the URL without its query and the fault, never a bare `JSONDecodeError`,
`KeyError`, `ValueError` or `AttributeError`. The diagnosis runs only when decoding failed.

`decoded(response)` keeps what an error would name, not the response: a pager builds its page
after the response is gone (httpx's responses are reference cycles, freed only by the garbage
collector, and the models of a page take many collections to build).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from ._error_bodies import looks_like_html, sage_errors_in
from ._wire import loads_json
from .errors import InvalidResponseError, WireValueError

M = TypeVar("M")

#: What a model's `from_dict` (or JSON decoding) raises on a body of the wrong shape.
DECODING_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
    RecursionError,
)


class Body:
    """A decoded JSON body, and the call it answered (for the error if it does not build)."""

    __slots__ = ("data", "method", "status_code", "url", "what")

    def __init__(
        self, data: Any, method: str, url: httpx.URL, status_code: int, what: str | None = None
    ) -> None:
        self.data = data
        self.method = method
        self.url = url
        self.status_code = status_code
        self.what = what  # what was due, for a message ("a page of the list")

    def build(self, from_dict: Callable[[Any], M]) -> M:
        """`from_dict` of the body, or the `InvalidResponseError` naming why it does not read."""
        try:
            return from_dict(self.data)
        except DECODING_ERRORS as error:
            raise self.failure(error, model_name(from_dict)) from error

    def failure(self, fault: Exception | str, model: str | None = None) -> InvalidResponseError:
        """The error for a body that is JSON but not what was due (`fault`: why not)."""
        data = self.data
        wanted = self.what or (f"a {model}" if model else "the record")
        errors = sage_errors_in(data) if _sage_errors_shape(data) else None
        if errors:
            listed = "; ".join(str(error) for error in errors)
            return self.error(f"Sage's error list where {wanted} was due: {listed}", errors)
        if isinstance(fault, str):
            return self.error(fault)
        if isinstance(fault, RecursionError):
            return self.error("the JSON is nested too deeply")
        if model is not None and not isinstance(data, dict):  # every model is a JSON object
            return self.error(f"{json_kind(data)} where {wanted} (a JSON object) was due")
        return self.error(f"the JSON does not read as {wanted}: {_fault(fault)}")

    def error(self, problem: str, errors: Any = None) -> InvalidResponseError:
        return InvalidResponseError.at(
            self.method, self.url, problem, status_code=self.status_code, errors=errors
        )


def decoded(
    response: httpx.Response,
    *,
    check: Callable[[Any], str | None] | None = None,
    what: str | None = None,
) -> Body:
    """The JSON body of `response`; not JSON, or a fault `check` names, is the error. `what`
    names what was due in the messages (else the model `build` is given)."""
    request = response.request
    try:
        data = loads_json(response.content)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError too
        raise invalid_body(response, error) from error
    # httpx's stream holds its response back: a cycle only the collector frees, and with it
    # the page's bytes. The body is read: a plain stream of them breaks the cycle.
    response.stream = httpx.ByteStream(response.content)
    body = Body(data, request.method, request.url, response.status_code, what)
    problem = None if check is None else check(data)
    if problem is not None:
        raise body.failure(problem)
    return body


def decode(
    response: httpx.Response,
    from_dict: Callable[[Any], M],
    *,
    check: Callable[[Any], str | None] | None = None,
) -> M:
    """`from_dict` of the JSON body; `check` may name a fault of the decoded JSON first."""
    return decoded(response, check=check).build(from_dict)


def read_json(response: httpx.Response) -> Any:
    """The JSON body (numbers exact), or an `InvalidResponseError` if it is not JSON."""
    return decoded(response).data


def model_name(from_dict: Callable[[Any], Any]) -> str | None:
    """The model a bound `from_dict` builds (`Contact`), if it is one."""
    owner = getattr(from_dict, "__self__", None)
    return owner.__name__ if isinstance(owner, type) else None


def invalid_body(
    response: httpx.Response, fault: Exception, *, model: str | None = None
) -> InvalidResponseError:
    """The error for a body that did not decode as `model` (generated operations use it)."""
    request = response.request
    content = response.content
    if isinstance(fault, (json.JSONDecodeError, UnicodeDecodeError)):
        problem = not_json(content, response.headers.get("content-type", ""), fault)
        return InvalidResponseError.from_response(response, problem)
    try:
        data = loads_json(content)
    except (ValueError, RecursionError) as error:
        return invalid_body(response, error, model=model)
    body = Body(data, request.method, request.url, response.status_code)
    return body.failure(fault, model)


def not_json(content: bytes, content_type: str, error: Exception) -> str:
    """What is wrong with a body that does not decode as JSON."""
    if isinstance(error, UnicodeDecodeError):
        bad = error.object[error.start : error.start + 1]
        return f"the body is not UTF-8 (byte 0x{bad.hex()} at offset {error.start})"
    if isinstance(error, RecursionError):
        return "the JSON is nested too deeply"
    text = content[:2000].decode("utf-8", "replace")
    if looks_like_html(text, content_type):
        return "an HTML page where JSON was due (from a proxy or gateway?)"
    if not isinstance(error, json.JSONDecodeError):
        return f"the body is not JSON ({error})"
    if error.pos >= len(error.doc.rstrip()) or error.msg.startswith("Unterminated"):
        return f"the JSON is cut off after {len(content)} bytes ({error.msg})"
    return f"the body is not JSON ({error.msg} at byte {error.pos})"


def json_kind(value: object) -> str:
    """A decoded JSON value's kind, for a message: "a JSON array", "the JSON string 'x'"."""
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON array"
    if value is None:
        return "JSON null"
    if isinstance(value, bool):
        return f"the JSON {'true' if value else 'false'}"
    if isinstance(value, (int, float, Decimal)):
        return f"the JSON number {value}"
    shown = str(value)
    return f"the JSON string {shown[:40]!r}" + ("..." if len(shown) > 40 else "")


def _sage_errors_shape(data: Any) -> bool:
    """Whether decoded JSON looks like Sage's error list: an array of `$`-keyed objects."""
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and any(key in data[0] for key in ("$message", "$dataCode", "$severity"))
    )


def _fault(error: Exception) -> str:
    if isinstance(error, WireValueError):
        return str(error)[:300]  # the field's path and why it does not read
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r}" if error.args else "a field is missing"
    return f"{type(error).__name__}: {error}"[:300]
