"""`SageEmulator`: the pieces put together behind one object."""

from __future__ import annotations

import contextlib
import functools
import random
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx

from ._api import Api, EnvelopeStyle, LinkStyle, PastLastPage
from ._app import NOT_OFFERED, WITHHELD_STATUSES, App, BudgetScope, Endpoints, NotOffered, Offered
from ._availability import offered as spec_offered
from ._churn import Churn
from ._clock import Clock, FakeClock
from ._faults import Faults
from ._idempotency import FIELD as IDEMPOTENCY_FIELD
from ._limits import CapUsage, Limits
from ._oauth import CODE_TTL, OAuthServer
from ._server import Serving
from ._setup import Setup
from ._spec import Spec, load_spec
from ._stats import Stats
from ._store import Business, Store, _BusinessLinks
from ._transport import AsyncEmulatorTransport, EmulatorTransport
from ._values import Values

DEFAULT_CLIENT_ID = "test-client-id"
DEFAULT_CLIENT_SECRET = "test-client-secret"
REFRESH_TOKEN_TTL = 31 * 86_400.0
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


@functools.lru_cache(maxsize=1)
def _shared() -> tuple[Spec, Values, Setup]:
    spec = load_spec()
    values = Values(spec)
    return spec, values, Setup(spec, values)


class SageEmulator:
    """A stateful fake of the Sage Accounting API v3.1 and its OAuth server, built from the spec.

    Use it in process (`transport`, `async_transport`) or over HTTP (`with fake.serve()`).

    - `access_token_ttl`: seconds an access token lives; refresh tokens rotate (reusing one
      answers `invalid_grant`, is counted in `stats.refresh_token_reuse`, and by default
      revokes the consent it came from: `revoke_grant_on_reuse`).
    - `concurrency_limit`: API requests processed at once before 429 (`None`: no cap).
    - `per_minute`, `per_day`: request budgets per business (`budget_scope="app"`: per app),
      answered with 429 and `Retry-After` on the emulator's clock.
    - `latency`: seconds added to every answer (real time, while the request is in flight).
    - `links`: `$next`/`$back` as "relative" paths, "absolute" URLs or a seeded "mixed" draw.
    - `clock`: anything with `now()`; the default `FakeClock` runs with real time and
      `fake.clock.advance(seconds)` jumps ahead.

    Where the live API differs from its spec, the emulator answers as the live API does by
    default; each such behaviour is a switch (docs: "Where the live API differs from its spec"):

    - `envelope`: the page-size key of a list envelope, `"itemsPerPage"` (Sage's pagination
      guide), `"items_per_page"` (its best-practices guide) or `"mixed"`, a seeded choice per
      collection (default).
    - `past_last_page`: a page past the last answers the `"last"` page (default, as the live
      API does) or `"empty"`.
    - `next_withheld`: the share of list pages before the last sent without their `$next`
      (null or absent, a seeded draw per page), as the live API may; default 0, 1.0 is every page.
    - `blanks`: the share of records (default 0.005, one in 200, seeded by record id) whose
      unset dates, date-times and decimals are sent as `""`, as the live API sends some (the
      emulator keeps them null); `0` sends null always.
    - `fake.churn(collection, ...)` creates and deletes records while a list is read.
    - `idempotency`: a create whose resource object carries an `idempotency_id` is answered,
      for 7 days of the emulator's clock, with its first answer when the same request (same
      business, resource, id and body) comes again, and creates nothing; the same id with
      another body answers 422 `IdempotencyIdReused` (Sage does not document this case: the
      emulator's choice). Only a successful create is remembered. `False`: ids are ignored.
    - `authorization_code_ttl`: seconds a consent's code can be exchanged (Sage: 60); a code
      works once, and an expired or reused one answers `invalid_grant`.
    - `end_subscription(business_id)`: that business's API calls answer 401 `AuthorizationFailure`
      "No active subscription. (MSE)" whatever the token (`renew_subscription` undoes it).
    - `withhold(collection, status=404)`: a collection the business's region or plan does not
      offer (the API answers 404, 403, 422 or 401 for it); `offer(collection)` undoes it.
    - `not_offered`: what a collection the business's country or edition lacks answers (by
      the spec's "Endpoint Availability", or `availability(collection, country, edition) ->
      bool | None` when given; None, where the table is silent, offers it). "auto" (default):
      an edition gap answers 401 `AuthorizationFailure` "No active subscription. (MSE)", as a
      C# client of the live API reads an incompatible edition, a country gap 404; 401, 403 or
      404: always.
    - `country`, `edition`: the lead business's (`add_business` adds more), "GB" and "plus"
      by default; a new business holds what Sage gives one there (docs: "Countries and
      editions").
    - `refuse_consent(error, reason)`: the consent page sends the browser back with `error` and
      `reason` (as Sage's "Email already in use"); `deny_consent = True` is `access_denied`.
    """

    def __init__(
        self,
        seed: int = 1,
        access_token_ttl: float = 300.0,
        concurrency_limit: int | None = 150,
        per_minute: int | None = None,
        per_day: int | None = None,
        latency: float = 0.0,
        links: LinkStyle = "relative",
        clock: Clock | None = None,
        *,
        refresh_token_ttl: float = REFRESH_TOKEN_TTL,
        budget_scope: BudgetScope = "business",
        revoke_grant_on_reuse: bool = True,
        business_name: str = "Example Trading Ltd",
        envelope: EnvelopeStyle = "mixed",
        past_last_page: PastLastPage = "last",
        next_withheld: float = 0.0,
        idempotency: bool = True,
        authorization_code_ttl: float = CODE_TTL,
        blanks: float = 0.005,
        country: str = "GB",
        edition: str = "plus",
        not_offered: NotOffered = "auto",
        availability: Offered | None = None,
    ) -> None:
        if not_offered not in NOT_OFFERED:
            raise ValueError(f"not_offered must be one of {NOT_OFFERED}, not {not_offered!r}")
        self.spec, self._values, setup = _shared()
        self.seed_value = seed
        # Any: tests call `fake.clock.advance()` on the default FakeClock, or pass their own.
        self.clock: Any = clock if clock is not None else FakeClock()
        self.stats = Stats()
        self.faults = Faults(seed)
        self.store = Store(
            self.spec, self._values, seed, self.clock.now, blanks=blanks, setup=setup
        )
        self.oauth = OAuthServer(
            now=self.clock.now,
            stats=self.stats,
            scopes=self.spec.scopes,
            user_id=str(self.store.user.get("id", "")),
            access_token_ttl=access_token_ttl,
            refresh_token_ttl=refresh_token_ttl,
            revoke_grant_on_reuse=revoke_grant_on_reuse,
            code_ttl=authorization_code_ttl,
        )
        self.client_id, self.client_secret = DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
        self.register_client(self.client_id, self.client_secret)
        self.limits = Limits(concurrency_limit, per_minute, per_day, self.clock.now)
        self.endpoints = Endpoints(
            api_prefix=urllib.parse.urlsplit(self.spec.api_base_url).path.rstrip("/"),
            token=urllib.parse.urlsplit(self.spec.token_url).path,
            revoke=urllib.parse.urlsplit(self._real_revoke_url).path,
            authorize=urllib.parse.urlsplit(self.spec.authorize_url).path,
        )
        api = Api(
            self.spec,
            self.store,
            self.stats,
            self.endpoints.api_prefix,
            links,
            seed,
            envelope=envelope,
            past_last_page=past_last_page,
            next_withheld=next_withheld,
            idempotency=idempotency,
        )
        self.app = App(
            endpoints=self.endpoints,
            api=api,
            store=self.store,
            oauth=self.oauth,
            faults=self.faults,
            limits=self.limits,
            stats=self.stats,
            clock=self.clock,
            latency=latency,
            budget_scope=budget_scope,
            offered=availability or spec_offered,
            not_offered=not_offered,
        )
        self._serving: Serving | None = None
        self._hosts = (
            frozenset(
                urllib.parse.urlsplit(url).hostname or ""
                for url in (self.spec.api_base_url, self.spec.token_url, self.spec.authorize_url)
            )
            | _LOCAL_HOSTS
        )
        self.add_business(business_name, country=country, edition=edition)
        self.transport: httpx.BaseTransport = EmulatorTransport(
            self.app.handle, lambda: self._hosts
        )
        self.async_transport: httpx.AsyncBaseTransport = AsyncEmulatorTransport(
            self.app.handle, lambda: self._hosts
        )

    def cap_usage(self) -> CapUsage:
        """How much of the concurrency cap requests used so far: the integral of requests in
        flight inside the cap over real time, from the first admission to the last change."""
        return self.limits.usage()

    # --- where it answers --------------------------------------------------------------------

    @property
    def _real_revoke_url(self) -> str:
        return self.spec.token_url.rsplit("/", 1)[0] + "/revoke"

    @property
    def api_base_url(self) -> str:
        if self._serving is not None:
            return self._serving.origin + self.endpoints.api_prefix
        return self.spec.api_base_url

    @property
    def token_url(self) -> str:
        if self._serving is not None:
            return self._serving.origin + self.endpoints.token
        return self.spec.token_url

    @property
    def revoke_url(self) -> str:
        if self._serving is not None:
            return self._serving.origin + self.endpoints.revoke
        return self._real_revoke_url

    @property
    def authorize_url(self) -> str:
        if self._serving is not None:
            query = urllib.parse.urlsplit(self.spec.authorize_url).query
            return self._serving.origin + self.endpoints.authorize + (f"?{query}" if query else "")
        return self.spec.authorize_url

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over HTTP on a free port (or `port`) while the block runs; yields the API root."""
        if self._serving is not None:
            raise RuntimeError("the emulator is already being served")
        self._serving = Serving(self.app.handle, host, port)
        try:
            yield self.api_base_url
        finally:
            serving, self._serving = self._serving, None
            serving.stop()

    @property
    def latency(self) -> float:
        return self.app.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.app.latency = seconds

    # --- OAuth -------------------------------------------------------------------------------

    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | None = None
    ) -> None:
        """Register an app; `redirect_uris=None` accepts any redirect URI."""
        uris = tuple(redirect_uris) if redirect_uris is not None else None
        self.oauth.register(client_id, client_secret, uris)

    def issue_token(
        self, scope: str = "full_access", client_id: str | None = None
    ) -> dict[str, Any]:
        """What the token endpoint answers after a consent, without the browser."""
        if scope not in self.spec.scopes:
            raise ValueError(f"scope must be one of {self.spec.scopes}")
        return self.oauth.issue(client_id or self.client_id, scope)

    @property
    def deny_consent(self) -> bool:
        """When True the authorize endpoint answers `error=access_denied`."""
        return self.oauth.consent_refusal is not None

    @deny_consent.setter
    def deny_consent(self, deny: bool) -> None:
        self.oauth.consent_refusal = ("access_denied", None) if deny else None

    def refuse_consent(
        self, error: str = "Invalid request", reason: str | None = "Email already in use"
    ) -> None:
        """Consents fail from now on, coming back with `error` and `reason` (Sage's way)."""
        if not error:
            raise ValueError("error must be a non-empty string")
        self.oauth.consent_refusal = (error, reason)

    # --- subscriptions -------------------------------------------------------------------------

    def end_subscription(
        self, business_id: str | None = None, message: str = "No active subscription. (MSE)"
    ) -> None:
        """The business (default: the lead one) loses its subscription: every API call for it
        answers 401 `AuthorizationFailure` with `message`, whatever the token."""
        business = self._business(business_id)
        self.app.refused_businesses[business.id] = message
        for subscription in business.info.get("subscriptions") or []:
            subscription.update(active=False, status="EXPIRED")

    def renew_subscription(self, business_id: str | None = None) -> None:
        """Undo `end_subscription`: the business answers again."""
        business = self._business(business_id)
        self.app.refused_businesses.pop(business.id, None)
        for subscription in business.info.get("subscriptions") or []:
            subscription.update(active=True, status="ACTIVE")

    def withhold(self, collection: str, status: int = 404, business_id: str | None = None) -> None:
        """The business (default: the lead one) is not offered `collection` from now on: every
        call of its path answers `status` (404, 403 or 422, as for a region or plan without it;
        or 401 with Sage's "No active subscription. (MSE)", as a refused business answers)."""
        if status not in WITHHELD_STATUSES:
            raise ValueError(f"status must be one of {WITHHELD_STATUSES}, not {status!r}")
        key = (self._business(business_id).id, self._collection(collection))
        self.app.withheld[key] = status

    def offer(self, collection: str, business_id: str | None = None) -> None:
        """Undo `withhold`: the collection answers again."""
        self.app.withheld.pop((self._business(business_id).id, collection), None)

    # --- businesses and records ----------------------------------------------------------------

    @property
    def lead_business_id(self) -> str:
        return self.store.lead_business_id

    @property
    def business_ids(self) -> list[str]:
        with self.store.lock:
            return list(self.store.businesses)

    def add_business(self, name: str, country: str = "GB", edition: str = "plus") -> str:
        """A new business as Sage starts it, answered by `GET /businesses`: `country` an ISO
        code (GB, IE, CA, US, ES, FR, DE), `edition` "plus", "standard" or "start". It holds
        the country's chart of accounts, tax rates, bank accounts and reference records
        (Sage's shared ids: every GB business answers `GB_STANDARD`). Returns its id."""
        return self.store.add_business(name, country=country, edition=edition)

    def seed(
        self, collection: str, count: int, business_id: str | None = None, *, full: bool = True
    ) -> list[dict[str, Any]]:
        """Create `count` valid records of `collection`, the same for the same seed.

        The emulator keeps seeded records lazily (a few hundred bytes each). The answer holds the
        complete records; for large seeds pass `full=False` to get only `id`, `displayed_as`,
        `$path`, `created_at` and `updated_at` (a complete contact costs about 8 kB in memory).
        """
        business = self._business(business_id)
        self._collection(collection)
        added = self.store.seed(business, collection, count)
        if full:
            return [self.store.materialize(business, record) for record in added]
        return [self.store.summary(record) for record in added]

    def churn(
        self,
        collection: str,
        *,
        every: int = 1,
        creates: int = 1,
        deletes: int = 1,
        rounds: int | None = None,
        business_id: str | None = None,
        seed: int | None = None,
    ) -> Churn:
        """Change `collection` while it is read: before every `every`-th list request of it,
        delete `deletes` random records and create `creates`, `rounds` times at most.

        The answer's `created` and `deleted` list the ids; `stop()` ends it."""
        business = self._business(business_id)
        self._collection(collection)
        churn = Churn(
            self.store,
            business,
            collection,
            every=every,
            creates=creates,
            deletes=deletes,
            rounds=rounds,
            seed=self.seed_value if seed is None else seed,
        )
        self.app.hooks.append(churn)
        return churn

    def delete_record(self, collection: str, key: str, business_id: str | None = None) -> None:
        """Delete one record, as a DELETE would (it shows in `deleted_since` lists)."""
        business = self._business(business_id)
        record = self.store.get(business, self._collection(collection), key)
        if record is None:
            raise KeyError(f"no {collection} record {key!r}")
        self.store.delete(business, record)

    def records(self, collection: str, business_id: str | None = None) -> list[dict[str, Any]]:
        """Every live record of `collection`, complete, in creation order."""
        business = self._business(business_id)
        self._collection(collection)
        return [
            self.store.materialize(business, r) for r in self.store.records(business, collection)
        ]

    def count(self, collection: str, business_id: str | None = None) -> int:
        return self.store.count(self._business(business_id), self._collection(collection))

    def example_body(
        self,
        collection: str,
        method: str = "POST",
        *,
        minimal: bool = False,
        wrapped: bool = False,
        business_id: str | None = None,
        seed: int = 0,
    ) -> dict[str, Any]:
        """A valid request body for creating (POST) or updating (PUT) a record of `collection`.

        Ids of related records point at records of the business where there are some. It never
        carries an `idempotency_id`: the same body twice would otherwise create only once.
        """
        spec_collection = self.spec.collections[self._collection(collection, user_level=True)]
        op = (
            spec_collection.create_op
            if method.upper() == "POST"
            else (spec_collection.update_op or spec_collection.singleton_put)
        )
        if op is None or op.body is None:
            raise ValueError(f"{collection} has no {method.upper()} with a body")
        business = self._business(business_id)
        schema, _ = self.spec.resolve(op.body)
        wrapper, inner = next(iter(schema["properties"].items()))
        rng = random.Random(f"{self.seed_value}/body/{collection}/{seed}")
        links = _BusinessLinks(self.store, business, 1 << 62)
        body = self._values.body(inner, rng, links, minimal)
        assert isinstance(body, dict)
        body.pop(IDEMPOTENCY_FIELD, None)
        return {wrapper: body} if wrapped else body

    def _business(self, business_id: str | None) -> Business:
        business = self.store.business(business_id)
        if business is None:
            raise KeyError(f"no business {business_id!r}")
        return business

    def _collection(self, name: str, *, user_level: bool = False) -> str:
        collection = self.spec.collections.get(name)
        if collection is None or (name in ("businesses", "user") and not user_level):
            raise ValueError(f"{name!r} is not a collection of the spec")
        return name

    def __repr__(self) -> str:
        return f"SageEmulator(seed={self.seed_value}, api_base_url={self.api_base_url!r})"
