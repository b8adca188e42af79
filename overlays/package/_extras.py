"""Extra headers, query parameters and body fields a caller adds to a request: for a header or
a filter the spec does not declare yet.

They come from two places, `with_options(extra_headers=...)` and one call's own keywords, and
are merged in that order, last of all: over what the client and the operation set, the call's
own over the client's. Headers and query parameters go only to the API origin, like the token
(the auth flow puts them on, `auth/_flow.py`); the body fields merge into the JSON body, a
mapping into a mapping (so `{"contact": {"new_field": 1}}` adds a field to the record).

`Authorization` and `X-Business` are the auth flow's: an extra header of either name is
refused unless its value says so explicitly, `override("...")`. Then the auth flow leaves it
as given (for `Authorization`, no token is put on the request and none is refreshed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import httpx

#: The request extension carrying the `Extras` of a call to the auth flow.
EXTRAS_EXTENSION = "sage_accounting.extras"
PROTECTED = ("authorization", "x-business")


@attrs.frozen
class Override:
    """A header value that replaces one the client sets itself (`override(value)`)."""

    value: str = attrs.field(repr=False)  # it may be a credential


def override(value: str) -> Override:
    """Mark an extra `Authorization` or `X-Business` header as meant to replace the client's."""
    if not isinstance(value, str):
        raise TypeError(f"override() takes the header's value as a str, not {type(value).__name__}")
    return Override(value)


HeaderValue = str | Override


@attrs.frozen
class Extras:
    """What a caller adds to requests; `then(later)` is both, `later` winning."""

    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)
    query: tuple[tuple[str, Any], ...] = ()
    body: Mapping[str, Any] | None = None
    overrides: frozenset[str] = frozenset()  # protected header names given with override()

    @classmethod
    def of(
        cls,
        headers: Mapping[str, HeaderValue] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Extras | None:
        """The extras of these keywords (None: none), a protected header checked by name."""
        if not headers and not query and not body:
            return None
        plain: list[tuple[str, str]] = []
        overrides: set[str] = set()
        for name, value in _mapping("extra_headers", headers).items():
            lower = name.lower()
            if isinstance(value, Override):
                if lower not in PROTECTED:
                    raise ValueError(f"extra_headers: override() is only for {name_list()}")
                overrides.add(lower)
                value = value.value
            elif lower in PROTECTED:
                raise ValueError(
                    f"extra_headers may not set {name} without saying so: the client sets it "
                    f"(use with_business() for another business, or override(value))"
                )
            elif not isinstance(value, str):
                raise TypeError(
                    f"extra_headers[{name!r}] must be a str, not {type(value).__name__}"
                )
            plain.append((name, value))
        return cls(
            headers=tuple(plain),
            query=tuple(_mapping("extra_query", query).items()),
            body=_mapping("extra_body", body) or None,
            overrides=frozenset(overrides),
        )

    def then(self, later: Extras | None) -> Extras:
        if later is None:
            return self
        body = self.body if later.body is None else merged(self.body or {}, later.body)
        return Extras(
            headers=self.headers + later.headers,
            query=self.query + later.query,
            body=body,
            overrides=self.overrides | later.overrides,
        )

    def put_on(self, request: httpx.Request) -> None:
        """Headers and query parameters onto a request for the API origin (the auth flow's)."""
        for name, value in self.headers:
            request.headers[name] = value
        if self.query:
            request.url = request.url.copy_merge_params(dict(self.query))


def name_list() -> str:
    return " and ".join(name.title() for name in PROTECTED)


def _mapping(keyword: str, value: Mapping[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{keyword} must be a mapping, not {type(value).__name__}")
    return dict(value)


def merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `extra` merged in: a mapping into a mapping, anything else replaced."""
    result = dict(base)
    for key, value in extra.items():
        inner = result.get(key)
        if isinstance(value, Mapping) and isinstance(inner, Mapping):
            result[key] = merged(inner, value)
        else:
            result[key] = value
    return result


def extend(
    request: dict[str, Any],
    extra_headers: Mapping[str, HeaderValue] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Note one call's extras on its request (keyword arguments of httpx's `request()`);
    the client merges them when it sends (`CallOptions.apply`)."""
    extras = Extras.of(extra_headers, extra_query, extra_body)
    if extras is not None:
        request["extensions"] = {**request.get("extensions", {}), EXTRAS_EXTENSION: extras}
    return request


def resolve(request: dict[str, Any], client: Extras | None) -> dict[str, Any]:
    """`request` with the client's extras and then the call's merged: the body here, the
    headers and query as the extension the auth flow reads (API origin only)."""
    extensions = request.get("extensions") or {}
    call = extensions.get(EXTRAS_EXTENSION)
    extras = call if client is None else client.then(call)
    if extras is None:
        return request
    body = request.get("json")
    if extras.body is not None and isinstance(body, Mapping):  # writes only: GETs have none
        request = {**request, "json": merged(body, extras.body)}
    return {**request, "extensions": {**extensions, EXTRAS_EXTENSION: extras}}
