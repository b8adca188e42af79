"""Every error sage_accounting raises, rooted at `SageAccountingError`.

API calls that fail raise an `APIError`: `APIConnectionError` / `APITimeoutError` when no answer
came, `APIStatusError` (one subclass per status family, `RedirectError` for a 3xx) when Sage
answered with an error, `InvalidResponseError` when a success answer is not what the call needs
(not JSON, another shape, too large, a list whose links loop). Each carries the request method
and URL; a status error also the response and Sage's parsed error list. Messages leave the
URL's query out. `InvalidBodyError` is a body that cannot be sent, `WireValueError` JSON that
does not read as its model (both name the field). No message, repr or attribute of these
errors holds a token, secret or Authorization header. docs/guides/errors.md says what each
means and what to do.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ._availability_note import availability_note
from ._lazy import LazyModule

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Self

    from . import _error_bodies
    from ._error_bodies import SageErrorDetail as SageErrorDetail
    from ._error_bodies import parse_sage_errors as parse_sage_errors
else:  # Sage's error list is read on the first error answer, not when the client loads
    _error_bodies = LazyModule("._error_bodies", __package__)
    httpx = LazyModule("httpx")  # named for typing.get_type_hints; imported when read
    if sys.version_info >= (3, 11):
        from typing import Self


class SageAccountingError(Exception):
    """Base of every error raised by sage_accounting."""


class APIError(SageAccountingError):
    """A call to the Sage API failed."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class APIConnectionError(APIError):
    """No answer: the connection failed or dropped (after any retries)."""


class APITimeoutError(APIConnectionError):
    """No answer in time (after any retries)."""


class InvalidResponseError(APIError):
    """Sage answered with success, but not with what the call needs: no content where a record
    was due, a body that is not JSON (cut off, not UTF-8, an HTML page), JSON of another shape,
    or Sage's error list. `status_code` is the answer's status, `problem` what was wrong,
    `errors` Sage's error list when the body was one; `response`, `headers` and `request_id`
    as on `APIStatusError` when the answer is at hand."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int,
        problem: str = "",
        errors: list[_error_bodies.SageErrorDetail] | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.problem = problem or message
        self.errors: list[_error_bodies.SageErrorDetail] = errors or []
        self.response = response
        self.headers = response.headers if response is not None else _empty_headers()
        self.request_id = request_id(self.headers)

    @classmethod
    def at(
        cls, method: str, url: httpx.URL | str, problem: str, *, status_code: int, **fields: Any
    ) -> Self:
        """The error of a call to `url` (named without its query) that got `problem`."""
        where = _without_query(url)
        return cls(
            f"{method} {where}: {problem} (HTTP {status_code})",
            method=method,
            url=where,
            status_code=status_code,
            problem=problem,
            **fields,
        )

    @classmethod
    def from_response(cls, response: httpx.Response, problem: str, **fields: Any) -> Self:
        """The error for `response`: names the method, the URL without its query and `problem`."""
        request = response.request
        fields.setdefault("response", response)
        return cls.at(
            request.method, request.url, problem, status_code=response.status_code, **fields
        )


class ResponseTooLargeError(InvalidResponseError):
    """The answer's body is larger than the client's `max_response_bytes` (`limit`, counted as
    sent and once decompressed); it was not read further."""

    def __init__(self, message: str, *, limit: int, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.limit = limit


class PaginationError(InvalidResponseError):
    """A list's `$next` leads back to a page the read has fetched already (following the links
    would never end), or the list ended short of its `$total` (`served` records of `total`;
    None for looping links). The records before it were yielded; the read stops here."""

    def __init__(
        self, message: str, *, served: int | None = None, total: int | None = None, **fields: Any
    ) -> None:
        super().__init__(message, **fields)
        self.served = served
        self.total = total


def _without_query(url: httpx.URL | str) -> str:
    import httpx as _httpx

    return _safe_url(_httpx.URL(str(url)).copy_with(query=None, fragment=None))


def _safe_url(url: httpx.URL | str) -> str:
    """The URL without userinfo: credentials never go into an error."""
    import httpx as _httpx

    parsed = _httpx.URL(str(url))
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else str(parsed)


#: Where an answer may name itself for a support ticket, in the order they are looked up. Sage
#: documents no request id header for v3.1; these are the names its gateways and common
#: proxies use (docs/guides/errors.md, "Request ids").
REQUEST_ID_HEADERS = ("x-request-id", "x-correlation-id", "request-id", "x-amzn-requestid")


def request_id(headers: httpx.Headers | None) -> str | None:
    """The answer's request or correlation id, from the first of `REQUEST_ID_HEADERS` it has."""
    if headers is None:
        return None
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def _empty_headers() -> httpx.Headers:
    import httpx as _httpx

    return _httpx.Headers()


class APIStatusError(APIError):
    """Sage answered with an error status. `headers` are the answer's (empty for a refusal
    remembered from an earlier call), `request_id` its request or correlation id if it has
    one (name it in a support ticket)."""

    status_code: int = 0

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        url: str,
        response: httpx.Response | None,
        errors: list[_error_bodies.SageErrorDetail] | None,
        body: str,
        availability_note: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.response = response
        self.headers = response.headers if response is not None else _empty_headers()
        self.request_id = request_id(self.headers)
        self.errors: list[_error_bodies.SageErrorDetail] = errors or []
        self.body = body
        # What the spec's Endpoint Availability says against this call for the business, if
        # the client knows the business's country (and edition): `sage.business_profile()`.
        self.availability_note = availability_note
        path = url.split("?", 1)[0]
        if "://" in url:
            import httpx as _httpx

            path = _httpx.URL(url).raw_path.decode("ascii", "replace").split("?", 1)[0]
        self.where = f"{status_code} {method} {path}"
        if self.errors:
            detail = "; ".join(str(error) for error in self.errors)
        else:
            kind = response.headers.get("content-type", "") if response is not None else ""
            detail = _error_bodies.body_text(body, kind)
        if availability_note:
            detail = f"{detail} ({availability_note})"
        if self.request_id:
            detail += f" (request id {self.request_id})"
        super().__init__(f"{self.where}: {detail}", method=method, url=url)

    @classmethod
    def from_response(cls, response: httpx.Response) -> APIStatusError:
        """The typed error for an error response (its body must have been read): the same
        as `status_error(response)`."""
        return status_error(response)


def _status_fields(response: httpx.Response) -> dict[str, Any]:
    """What a status error carries of `response` (its body must have been read)."""
    content = response.content
    return {
        "status_code": response.status_code,
        "method": response.request.method,
        "url": _safe_url(response.request.url),
        "response": response,
        "errors": _error_bodies.parse_sage_errors(content),
        "body": content.decode("utf-8", errors="replace"),
        "availability_note": availability_note(response.request, response.status_code),
    }


class BadRequestError(APIStatusError):
    """400: the request was malformed."""


class AuthenticationError(APIStatusError):
    """401: the access token is missing, invalid or expired (after one refresh)."""


class SubscriptionError(AuthenticationError):
    """401 that a fresh token did not cure: Sage refuses this business, not the token.

    Sage answers such 401s with `$dataCode` "AuthorizationFailure" (e.g. "No active
    subscription. (MSE)": the business's trial ended or it cancelled), as it may an expired
    token, so the client tells them apart by refreshing once: when a token fresher than the
    refused one is refused too, refreshing cannot help. The client then fails calls to that
    collection of the business at once (`remembered` is True, `response` None) until its token
    changes or `refused_business_ttl` seconds pass; its other collections and businesses go on,
    as a business may answer this 401 for just a collection its edition lacks (then
    `availability_note` says so when the client knows the business's edition).
    """

    def __init__(self, *, business_id: str | None, remembered: bool = False, **fields: Any):
        super().__init__(**fields)
        self.business_id = business_id
        self.remembered = remembered
        who = f"business {business_id}" if business_id else "the lead business (no X-Business)"
        how = "refused moments ago" if remembered else "a refreshed token was refused too"
        self.message = f"Sage refuses {who}: {self.message} ({how}; refreshing cannot help)"
        self.args = (self.message,)

    def again(
        self, method: str, url: str, *, availability_note: str | None = None
    ) -> SubscriptionError:
        """The same refusal for a later call to the collection, which was not sent."""
        return SubscriptionError(
            business_id=self.business_id,
            remembered=True,
            status_code=self.status_code,
            method=method,
            url=_safe_url(url),
            response=None,
            errors=self.errors,
            body=self.body,
            availability_note=availability_note,
        )


class PermissionDeniedError(APIStatusError):
    """403: the user may not do this."""


class NotFoundError(APIStatusError):
    """404: no such record or path."""


class MethodNotAllowedError(APIStatusError):
    """405: the path does not take this method."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: the body's content type is not JSON."""


class UnprocessableEntityError(APIStatusError):
    """422: Sage refused the data (see `errors` for the fields)."""


class RateLimitError(APIStatusError):
    """429: over Sage's limits (after any retries)."""


class ServerError(APIStatusError):
    """5xx: Sage failed (after any retries)."""


class StoppedError(SageAccountingError):
    """A call given up because the `stop` event of its client (`with_options(stop=...)`) was
    set: no attempt after that, and a retry's wait ends at once. The sync sets its own when
    it is interrupted (Ctrl-C), so that no page is waited for after it."""


class RedirectError(APIStatusError):
    """3xx: the answer redirects (`location`, without its query), which the client never
    follows: the token stays on the API origin. Sage's API does not redirect, so a proxy or a
    wrong `base_url` is in between. `same_origin` says whether it pointed at the API's host."""

    def __init__(self, *, location: str | None, same_origin: bool, **fields: Any) -> None:
        super().__init__(**fields)
        self.location = location
        self.same_origin = same_origin
        target = (
            f"to {location} ({'the same' if same_origin else 'another'} origin)"
            if location
            else "without a Location"
        )
        self.message = (
            f"{self.where}: a redirect {target}, not followed (the API does not redirect: "
            "check base_url and any proxy in between)"
        )
        self.args = (self.message,)


def _redirect_fields(response: httpx.Response) -> dict[str, Any]:
    """Where a 3xx points, without userinfo or query, and whether that is the same origin."""
    location = response.headers.get("location")
    if not location:
        return {"location": None, "same_origin": False}
    asked = response.request.url
    try:
        target = asked.join(location)
    except Exception:  # httpx.InvalidURL: a Location that is not a URL
        return {"location": "(not a URL)", "same_origin": False}
    same = (target.scheme, target.host, target.port) == (asked.scheme, asked.host, asked.port)
    return {"location": _without_query(target), "same_origin": same}


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status_code: int) -> type[APIStatusError]:
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if 300 <= status_code < 400:
        return RedirectError
    return ServerError if status_code >= 500 else APIStatusError


#: The response extension the auth flow sets on a 401 that a fresher token met too: Sage
#: refuses the business, not the token. Its value is the business id (None: the lead business).
REFUSED_EXTENSION = "sage_accounting.refused_business"


def status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for an error answer: the one place that maps a status and Sage's error
    body to an error class. The body must have been read.

    A 401 the auth flow marked as a refused business is a `SubscriptionError`; a 3xx is a
    `RedirectError` naming where it points."""
    status = response.status_code
    if status == 401 and REFUSED_EXTENSION in response.extensions:
        return SubscriptionError(
            business_id=response.extensions[REFUSED_EXTENSION], **_status_fields(response)
        )
    if 300 <= status < 400:
        return RedirectError(**_redirect_fields(response), **_status_fields(response))
    return error_class_for_status(status)(**_status_fields(response))


def raise_for_status(response: httpx.Response) -> httpx.Response:
    """`response` when it is a success (2xx), else its `status_error` (a 3xx included: the
    client follows no redirect)."""
    if response.status_code >= 300:
        raise status_error(response)
    return response


class UnexpectedStatus(APIError):
    """An operation answered a status its spec does not list (with raise_on_unexpected_status)."""

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content
        super().__init__(
            f"unexpected status code {status_code}: {content.decode(errors='replace')[:500]}"
        )


class InvalidBodyError(SageAccountingError, ValueError):
    """A body cannot be sent: a required field is missing or a value has the wrong form (the
    message names it: `invoice_lines[1].unit_price: not a decimal number: 'ten'`). Nothing
    was sent."""


class WireValueError(SageAccountingError, ValueError):
    """JSON does not read as its model (`Model.from_dict`): which field (`path`) and why.

    `path` runs from the outermost record down: `("invoice_lines", 0, "unit_price")`, written
    `invoice_lines[0].unit_price` in the message. A call that reads an answer raises
    `InvalidResponseError` instead, with this one's message; a body, `InvalidBodyError`."""

    def __init__(self, path: tuple[str | int, ...], reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason
        self.source: object = None  # the JSON object that held the field, while it rises

    @property
    def where(self) -> str:
        """The path as one would write it: `invoice_lines[0].unit_price`."""
        text = ""
        for step in self.path:
            text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
        return text or "(the record)"

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class AuthError(SageAccountingError):
    """Getting or keeping an access token failed."""


class TokenRefreshError(AuthError):
    """The token could not be refreshed; when `login_required`, only a new consent helps."""

    def __init__(self, message: str, *, login_required: bool) -> None:
        super().__init__(message)
        self.login_required = login_required


class LoginError(AuthError):
    """The OAuth login did not complete (state mismatch, consent denied, bad code).

    A consent that failed at Sage carries the callback's `error` and `reason` (e.g. "Invalid
    request" and "Email already in use"); both are in the message too.
    """

    def __init__(self, message: str, *, error: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.error = error
        self.reason = reason


class TokenStoreError(AuthError):
    """The token store could not be read, written or locked."""


class TokenSaveError(TokenStoreError):
    """A refreshed token is still not in its store (`store` names it) after every try.

    Sage rotated the refresh token, so the new token lives only in this process: the client
    keeps using it and trying to save it. Raised by `close()` / `aclose()` (API calls log at
    ERROR instead); fix the store and close again, or the connection is lost at exit.
    """

    def __init__(self, message: str, *, store: str) -> None:
        super().__init__(message)
        self.store = store


def __getattr__(name: str) -> Any:
    # SageErrorDetail and parse_sage_errors are this module's too, from _error_bodies on first use.
    if name in ("SageErrorDetail", "parse_sage_errors"):
        return getattr(_error_bodies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REQUEST_ID_HEADERS",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthError",
    "AuthenticationError",
    "BadRequestError",
    "InvalidBodyError",
    "InvalidResponseError",
    "LoginError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "SageAccountingError",
    "SageErrorDetail",
    "ServerError",
    "StoppedError",
    "SubscriptionError",
    "TokenRefreshError",
    "TokenSaveError",
    "TokenStoreError",
    "UnexpectedStatus",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "WireValueError",
    "error_class_for_status",
    "parse_sage_errors",
    "raise_for_status",
    "request_id",
    "status_error",
]
