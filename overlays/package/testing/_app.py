"""One entry for every request: which endpoint, then auth, limits and faults around the API."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ._api import Api
from ._availability import EDITIONS
from ._clock import Clock, http_date
from ._faults import Fault, Faults
from ._http import Request, Response, json_response, sage_error
from ._limits import Limits
from ._oauth import Answer, OAuthServer
from ._stats import LogEntry, Stats
from ._store import Store

BudgetScope = Literal["business", "app"]
#: What a collection the business's country or edition lacks answers: "auto" answers an edition
#: gap as a C# client of the live API reads it (401 "No active subscription": "incompatible
#: edition") and a country gap 404; a status answers every gap with it.
NotOffered = Literal["auto", 401, 403, 404]
NOT_OFFERED: tuple[NotOffered, ...] = ("auto", 401, 403, 404)
#: Whether the spec offers a collection to a country and edition (None: the spec is silent).
Offered = Callable[[str, str, str], bool | None]
NO_SUBSCRIPTION = "No active subscription. (MSE)"
_GATEWAY_PAGE = b"<html><body><h1>%d Bad Gateway</h1></body></html>"
WITHHELD_STATUSES = (401, 403, 404, 422)
_WITHHELD = {
    401: ("AuthorizationFailure", NO_SUBSCRIPTION),
    403: ("Forbidden", "This feature is not available for this business's region or subscription"),
    404: (
        "RecordNotFound",
        "This feature is not available for this business's region or subscription",
    ),
    422: (
        "RecordInvalid",
        "This feature is not available for this business's region or subscription",
    ),
}


@dataclass(frozen=True)
class Endpoints:
    """Paths the emulator answers on; the host does not matter."""

    api_prefix: str  # "/v3.1"
    token: str
    revoke: str
    authorize: str


class App:
    def __init__(
        self,
        *,
        endpoints: Endpoints,
        api: Api,
        store: Store,
        oauth: OAuthServer,
        faults: Faults,
        limits: Limits,
        stats: Stats,
        clock: Clock,
        latency: float,
        budget_scope: BudgetScope,
        offered: Offered | None = None,
        not_offered: NotOffered = "auto",
    ) -> None:
        self.endpoints = endpoints
        self.api = api
        self.store = store
        self.oauth = oauth
        self.faults = faults
        self.limits = limits
        self.stats = stats
        self.clock = clock
        self.latency = latency
        self.budget_scope = budget_scope
        # Called with (method, API path, business id) before a call is answered: `fake.churn`.
        self.hooks: list[Callable[[str, str, str], None]] = []
        # Businesses whose subscription ended, with the `$message` their calls are refused with.
        self.refused_businesses: dict[str, str] = {}
        # (business id, collection) the business's region or plan does not offer: the status.
        self.withheld: dict[tuple[str, str], int] = {}
        # The availability table (`fake.availability`), and how a gap in it answers.
        self.offered: Offered = offered or (lambda collection, country, edition: None)
        self.not_offered: NotOffered = not_offered

    def handle(self, request: Request) -> Response:
        """Answer `request`; the caller waits `delay`, then calls `finish`, then answers."""
        prefix = self.endpoints.api_prefix
        if request.path.startswith(prefix + "/"):
            response = self._api(request, request.path[len(prefix) :])
        elif request.path in (
            self.endpoints.token,
            self.endpoints.revoke,
            self.endpoints.authorize,
        ):
            response = self._oauth(request)
        else:
            response = json_response(404, {"error": "not_found"})
        response.delay += self.latency
        response.headers.append(("Date", http_date(self.clock.now())))
        return response

    # --- the API ---------------------------------------------------------------------------

    def _api(self, request: Request, path: str) -> Response:
        self.stats.enter()
        business_id: str | None = None
        fault: Fault | None = None
        if not self.limits.enter():
            response = sage_error(
                429,
                "TooManyRequests",
                "Too many concurrent requests",
                headers=[("Retry-After", "1")],
            )
            response.finish = self.stats.leave
        else:
            try:
                response, business_id, fault = self._authorized(request, path)
            except BaseException:
                self.limits.leave()
                self.stats.leave()
                raise
            response.finish = _both(self.limits.leave, self.stats.leave)
        self._log(request, path, response, business_id, fault)
        return response

    def _authorized(self, request: Request, path: str) -> tuple[Response, str | None, Fault | None]:
        token, reason = self.oauth.bearer(request.header("authorization"))
        if token is None:
            response = sage_error(401, "Unauthorized", reason)
            response.headers.append(("WWW-Authenticate", 'Bearer error="invalid_token"'))
            return response, None, None
        business = self.store.business(request.header("x-business"))
        if business is None:
            return sage_error(404, "RecordNotFound", "Unknown business", "X-Business"), None, None
        refusal = self.refused_businesses.get(business.id)
        if refusal is not None:
            return sage_error(401, "AuthorizationFailure", refusal), business.id, None
        collection = path.strip("/").split("/")[0]
        withheld = self.withheld.get((business.id, collection))
        if withheld is None:
            withheld = self._not_offered(collection, business.country, business.edition)
        if withheld is not None:
            code, message = _WITHHELD[withheld]
            return sage_error(withheld, code, message), business.id, None
        key = business.id if self.budget_scope == "business" else token.grant.client_id
        wait = self.limits.spend(key)
        if wait is not None:
            headers = [("Retry-After", str(int(wait)))]
            response = sage_error(429, "TooManyRequests", "Request budget used up", headers=headers)
            return response, business.id, None
        for hook in list(self.hooks):
            hook(request.method, path, business.id)
        fault = self.faults.draw(request.method, path)
        response = _strike(
            fault, lambda: self.api.handle(request, path, business, token.grant.scope)
        )
        return response, business.id, fault

    def _not_offered(self, collection: str, country: str, edition: str) -> int | None:
        """The status a collection the table says the business lacks answers, else None."""
        if collection in ("businesses", "user") or collection not in self.store.spec.collections:
            return None  # the table knows only the spec's collections: the route answers 404
        if self.offered(collection, country, edition) is not False:
            return None
        if self.not_offered != "auto":
            return self.not_offered
        elsewhere = (self.offered(collection, country, other) for other in EDITIONS)
        return 401 if any(elsewhere) else 404

    def _log(
        self,
        request: Request,
        path: str,
        response: Response,
        business: str | None,
        fault: Fault | None,
    ) -> None:
        query = urllib.parse.urlencode(request.query)
        status = 0 if response.drop else response.status
        kind = None if fault is None else f"{fault.kind}/{fault.when}"
        entry = LogEntry(request.method, path, status, business, self.clock.now(), query, kind)
        self.stats.log(entry)

    # --- OAuth -----------------------------------------------------------------------------

    def _oauth(self, request: Request) -> Response:
        endpoints = self.endpoints
        name = "/authorize" if request.path == endpoints.authorize else request.path
        fault = self.faults.draw(request.method, name, oauth=True)

        def answer() -> Response:
            if request.path == endpoints.authorize:
                if request.method != "GET":
                    return json_response(405, {"error": "method_not_allowed"})
                return _answer(self.oauth.authorize(dict(request.query)))
            if request.method != "POST":
                return json_response(405, {"error": "method_not_allowed"})
            if request.media_type != "application/x-www-form-urlencoded":
                return json_response(400, {"error": "invalid_request"})
            form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace")))
            auth = request.header("authorization")
            if request.path == endpoints.token:
                return _answer(self.oauth.token(form, auth))
            return _answer(self.oauth.revoke(form, auth))

        response = _strike(fault, answer)
        self._log(request, name, response, None, fault)
        return response


def _strike(fault: Fault | None, answer: Callable[[], Response]) -> Response:
    """Apply `fault` before or after the real answer is produced (and its change made)."""
    if fault is None:
        return answer()
    if fault.kind == "slow":
        response = answer()
        response.delay += fault.slow_seconds
        return response
    real = answer() if fault.when == "after" else None
    if fault.kind == "drop":
        return Response(0, drop=True)
    if fault.kind == "malformed":
        body = real.body if real is not None and real.body else b'{"$items": [{"id": "'
        return Response(200, [("Content-Type", "application/json")], body[: max(1, len(body) // 2)])
    status = int(fault.kind)
    headers = []
    if status == 429 and fault.retry_after is not None:
        headers.append(("Retry-After", f"{fault.retry_after:g}"))
    if status in (502, 504):
        return Response(status, [("Content-Type", "text/html"), *headers], _GATEWAY_PAGE % status)
    return sage_error(status, "ServiceUnavailable", "Please try again later", headers=headers)


def _answer(answer: Answer) -> Response:
    headers = [("Cache-Control", "no-store")]
    if answer.location is not None:
        return Response(answer.status, [("Location", answer.location), *headers])
    body = json.dumps(answer.body or {}).encode("utf-8")
    return Response(answer.status, [("Content-Type", "application/json"), *headers], body)


def _both(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            first()
        finally:
            second()

    return run
