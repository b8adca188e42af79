"""The API itself: every path of the spec, answered from the store."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any, Literal

from . import _attachments as attachments
from ._bookkeeping import Bookkeeping, refused_response
from ._clock import parse_datetime
from ._filters import filter_for
from ._http import Request, Response, json_response, sage_error, sage_errors
from ._idempotency import FirstAnswers
from ._spec import Collection, Operation, RouteMatch, Spec
from ._stats import Stats
from ._store import Business, Record, Store
from ._validate import Problem, check, check_query
from .books import BookError

LinkStyle = Literal["relative", "absolute", "mixed"]
#: How an envelope spells its page size: as Sage's pagination guide shows it, as its
#: best-practices guide shows it, or a seeded choice per collection ("mixed").
EnvelopeStyle = Literal["itemsPerPage", "items_per_page", "mixed"]
#: What a page past the last one answers: the last page (as the live API does) or no items.
PastLastPage = Literal["last", "empty"]
BASE_ATTRIBUTES = ("id", "displayed_as", "$path")
_REPLACING_ACTIONS = frozenset(
    {"reissue"}
)  # the spec: "voiding the existing one and creating a new one"
_PAGING = frozenset({"page", "items_per_page", "attributes", "nested_attributes"})
_PAGING_SCHEMAS: dict[str, dict[str, Any]] = {
    "page": {"type": "integer", "format": "int32", "minimum": 1, "default": 1},
    "items_per_page": {
        "type": "integer",
        "format": "int32",
        "minimum": 1,
        "maximum": 200,
        "default": 20,
    },
}


class NotFound(Exception):
    pass


class Api:
    def __init__(
        self,
        spec: Spec,
        store: Store,
        stats: Stats,
        api_prefix: str,
        links: LinkStyle,
        seed: int,
        *,
        envelope: EnvelopeStyle = "mixed",
        past_last_page: PastLastPage = "last",
        next_withheld: float = 0.0,
        idempotency: bool = True,
    ) -> None:
        self.spec = spec
        self.envelope = envelope
        self.past_last_page = past_last_page
        if not 0.0 <= next_withheld <= 1.0:
            raise ValueError(f"next_withheld is a share of pages, 0 to 1, not {next_withheld!r}")
        self.next_withheld = next_withheld
        self._seed = seed
        self.first_answers = FirstAnswers(store.now) if idempotency else None
        self.store = store
        self.books = Bookkeeping(store)
        self.stats = stats
        self.api_prefix = api_prefix
        self.links = links
        self._links_rng = random.Random(f"links/{seed}")
        self._links_lock = threading.Lock()
        self.attachment_limit = attachments.size_limit(spec)

    def handle(self, request: Request, path: str, business: Business, scope: str) -> Response:
        found = self.spec.match(path)
        if found is None:
            return sage_error(404, "RecordNotFound", f"No route matches {path}")
        template, params = found
        route = self.spec.route(request.method, template, params.get("key"))
        if route is None:
            allow = ", ".join(self.spec.methods(template))
            return sage_error(
                405,
                "MethodNotAllowed",
                f"{request.method} is not allowed",
                headers=[("Allow", allow)],
            )
        if request.method != "GET" and scope == "readonly":
            return sage_error(403, "AccessDenied", "The token's scope is read only")
        problems = check_query(self.spec, route.operation.query, request.query)
        if problems:
            return _invalid_parameters(problems)
        try:
            return self._dispatch(request, route, business)
        except NotFound:
            return sage_error(404, "RecordNotFound", "Resource not found")

    def _dispatch(self, request: Request, route: RouteMatch, business: Business) -> Response:
        op, collection, key = route.operation, route.collection, route.key
        if collection.name in ("businesses", "user"):
            return self._user_level(request, route, business)
        if route.action is not None:
            return self._action(request, route, business)
        if key is None:
            if op is collection.list_op:
                return self._list(request, op, self._source(collection), business)
            if op is collection.create_op:
                return self._write(
                    request, op, lambda fields: self._create(business, collection, fields)
                )
            if op is collection.singleton_get:
                return json_response(200, self.store.singleton(business, collection.name))
            return self._write(
                request, op, lambda fields: self._put_singleton(business, collection.name, fields)
            )
        record = self._record(business, collection.name, key)
        if op is collection.get_op:
            return json_response(200, self.store.served(business, record))
        if op is collection.update_op:
            return self._write(request, op, lambda fields: self._update(business, record, fields))
        try:
            if self.books.delete(business, record, request.param("void_reason")):
                self.stats_count(self.stats.updated, collection.name)  # voided, not deleted
                return json_response(op.status, self._project(business, record, op))
        except BookError as refused:
            return refused_response(refused)
        final = self._project(business, record, op) if op.response is not None else None
        self.store.delete(business, record)
        self.stats_count(self.stats.deleted, collection.name)
        # Most deletes answer 204; voiding an invoice answers the voided record.
        return Response(204) if final is None else json_response(op.status, final)

    # --- lists -----------------------------------------------------------------------------

    def _source(self, collection: Collection) -> str:
        """Where a list-only path (e.g. `tax_determinations`) takes its records from."""
        if collection.get_op is not None:
            return collection.name
        return self.spec.collection_of_schema.get(collection.item_schema, collection.name)

    def _list(self, request: Request, op: Operation, source: str, business: Business) -> Response:
        paging = self._paging(request, op)
        if isinstance(paging, Response):
            return paging
        page, size = paging
        since = self._moment(request, "updated_or_created_since")
        gone = self._moment(request, "deleted_since")
        for name, value in (("updated_or_created_since", since), ("deleted_since", gone)):
            if value is False:
                return sage_error(422, "InvalidParameter", "is not a valid date-time", name)
        if isinstance(gone, float):
            deleted = self.store.deleted_records(business, source)
            chosen = [r for r in deleted if r.deleted_at is not None and r.deleted_at > gone]
            page = self._answered_page(page, size, len(chosen))
            items = [self.store.tombstone(r) for r in chosen[(page - 1) * size : page * size]]
            return self._envelope(request, op, items, len(chosen), page, size)
        records = self.store.records(business, source)
        if isinstance(since, float):
            records = [r for r in records if r.updated_at >= since]
        item_schema = self.spec.schema(self.spec.collections[source].item_schema)
        records = self._filter(request, op, business, records, item_schema.get("properties", {}))
        page = self._answered_page(page, size, len(records))
        window = records[(page - 1) * size : page * size]
        attributes = request.param("attributes")
        items = [self._item(business, r, attributes, item_schema) for r in window]
        return self._envelope(request, op, items, len(records), page, size)

    def _answered_page(self, page: int, size: int, total: int) -> int:
        """The page a request for `page` gets: past the last one, the live API sends the last."""
        last = max(1, -(-total // size))
        return min(page, last) if self.past_last_page == "last" else page

    def _page_size_key(self, path: str) -> str:
        style = self.envelope
        if style == "mixed":
            collection = path.removeprefix(self.api_prefix).strip("/").split("/")[0]
            digest = hashlib.sha256(f"envelope/{self._seed}/{collection}".encode()).digest()
            style = "itemsPerPage" if digest[0] % 2 else "items_per_page"
        return f"${style}"

    def _paging(self, request: Request, op: Operation) -> tuple[int, int] | Response:
        # Pages count from 1 and hold 1 to 200 records, whether or not the operation says so.
        schemas = {
            name: {**schema, **op.query.get(name, {})} for name, schema in _PAGING_SCHEMAS.items()
        }
        problems = check_query(self.spec, schemas, request.query)
        if problems:
            return _invalid_parameters(problems)
        page, size = (
            int(text) if (text := request.param(name)) else int(schemas[name]["default"])
            for name in ("page", "items_per_page")
        )
        return page, size

    def _moment(self, request: Request, name: str) -> float | Literal[False] | None:
        text = request.param(name)
        if text is None or text == "":
            return None
        moment = parse_datetime(text)
        return False if moment is None else moment

    def _filter(
        self,
        request: Request,
        op: Operation,
        business: Business,
        records: list[Record],
        properties: dict[str, Any],
    ) -> list[Record]:
        """The simple filters: search, dates, related ids and flags the records carry."""
        tests: list[Callable[[dict[str, Any], Record], bool]] = []
        for name, value in request.query:
            if name in _PAGING or name not in op.query or value == "":
                continue
            test = filter_for(name, value, op.query[name], properties)
            if test is not None:
                tests.append(test)
        if not tests:
            return records
        return [
            r
            for r in records
            if all(test(self.store.materialize(business, r), r) for test in tests)
        ]

    def _item(
        self, business: Business, record: Record, attributes: str | None, schema: dict[str, Any]
    ) -> dict[str, Any]:
        if attributes == "all":
            return self.store.served(business, record)
        properties = schema.get("properties", {})
        base = {
            "id": record.id,
            "displayed_as": record.display,
            "$path": f"/{record.collection}/{record.id}",
        }
        item = {name: value for name, value in base.items() if name in properties}
        wanted = [a.strip() for a in (attributes or "").split(",") if a.strip()]
        if wanted:
            data = self.store.served(business, record)
            item.update({name: data[name] for name in wanted if name in data})
        return item

    def _envelope(
        self,
        request: Request,
        op: Operation,
        items: list[dict[str, Any]],
        total: int,
        page: int,
        size: int,
    ) -> Response:
        last = max(1, -(-total // size))
        body = {
            "$total": total,
            "$page": page,
            "$next": self._page_link(request, page + 1, size) if page < last else None,
            "$back": self._page_link(request, page - 1, size) if page > 1 else None,
            self._page_size_key(request.path): size,
            "$items": items,
        }
        if page < last and self.next_withheld:
            self._withhold_next(body, request.path, page)
        return json_response(200, body)

    def _withhold_next(self, body: dict[str, Any], path: str, page: int) -> None:
        """`$next` null, or absent, on a share of the pages before the last (seeded per page)."""
        digest = hashlib.sha256(f"next/{self._seed}/{path}/{page}".encode()).digest()
        if int.from_bytes(digest[:4], "big") < self.next_withheld * 2**32:
            if digest[4] % 2:
                del body["$next"]
            else:
                body["$next"] = None

    def _page_link(self, request: Request, page: int, size: int) -> str:
        query: list[tuple[str, str]] = []
        for name, value in request.query:
            if name == "page":
                continue
            query.append((name, str(size) if name == "items_per_page" else value))
        if not any(name == "items_per_page" for name, _ in query):
            query.append(("items_per_page", str(size)))
        query.append(("page", str(page)))
        relative = request.path.removeprefix(self.api_prefix) + "?" + urllib.parse.urlencode(query)
        style = self.links
        if style == "mixed":
            with self._links_lock:
                style = self._links_rng.choice(("relative", "absolute"))
        if style == "absolute":
            return request.origin + self.api_prefix + relative
        return relative

    # --- single records --------------------------------------------------------------------

    def _record(self, business: Business, collection: str, key: str) -> Record:
        record = self.store.get(business, collection, key)
        if record is None:
            raise NotFound
        return record

    def _write(
        self, request: Request, op: Operation, apply: Callable[[dict[str, Any]], Response]
    ) -> Response:
        """Check a wrapped JSON body (`{"contact": {...}}`) against the spec, then apply it."""
        if op.body is None:
            return apply({})
        if request.media_type != "application/json":
            return sage_error(415, "UnsupportedMediaType", "Send the body as application/json")
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return sage_error(400, "InvalidJson", "The body is not valid JSON")
        schema, _ = self.spec.resolve(op.body)
        wrapper, inner_schema = next(iter(schema.get("properties", {}).items()))
        inner = body.get(wrapper) if isinstance(body, dict) else None
        if not isinstance(inner, dict):
            return sage_error(422, "RecordInvalid", "can't be blank", wrapper)
        problems = check(self.spec, inner, inner_schema, "")
        if problems:
            return sage_errors(422, [("RecordInvalid", p.message, p.source) for p in problems])
        return apply(inner)

    def _create(
        self, business: Business, collection: Collection, fields: dict[str, Any]
    ) -> Response:
        checked = self._as_written(collection.name, fields)
        if isinstance(checked, Response):
            return checked

        def create() -> Response:
            try:
                record = self.books.write(business, collection.name, checked)
            except BookError as refused:
                return refused_response(refused)
            self.stats_count(self.stats.created, collection.name)
            assert collection.create_op is not None
            data = self.store.served(business, record)
            return json_response(collection.create_op.status, data)

        if self.first_answers is None:
            return create()
        return self.first_answers.answer(business.id, collection.name, checked, create)

    def _update(self, business: Business, record: Record, fields: dict[str, Any]) -> Response:
        checked = self._as_written(record.collection, fields)
        if isinstance(checked, Response):
            return checked
        try:
            self.books.write(business, record.collection, checked, record)
        except BookError as refused:
            return refused_response(refused)
        self.stats_count(self.stats.updated, record.collection)
        return json_response(200, self.store.served(business, record))

    def _as_written(self, collection: str, fields: dict[str, Any]) -> dict[str, Any] | Response:
        """The fields a write stores, or Sage's refusal (an attachment's file over the limit)."""
        if collection != attachments.COLLECTION:
            return fields
        return attachments.written_fields(fields, self.attachment_limit)

    def _put_singleton(self, business: Business, name: str, fields: dict[str, Any]) -> Response:
        data = self.store.update_singleton(business, name, fields)
        self.stats_count(self.stats.updated, name)
        return json_response(200, data)

    def _action(self, request: Request, route: RouteMatch, business: Business) -> Response:
        op, collection = route.operation, route.collection
        assert route.key is not None and route.action is not None
        record = self._record(business, collection.name, route.key)
        if op.media_type == "application/octet-stream":
            return attachments.file_response(self.store.materialize(business, record), record.id)
        if request.method == "GET":
            return json_response(op.status, self._project(business, record, op))
        if route.action in _REPLACING_ACTIONS:
            data = self.store.materialize(business, record)
            fresh = self.store.create(business, collection.name, _copyable(data))
            self.store.delete(business, record)
            self.stats_count(self.stats.created, collection.name)
            self.stats_count(self.stats.deleted, collection.name)
            return json_response(op.status, self.store.served(business, fresh))
        self.store.touch(business, record)
        self.stats_count(self.stats.updated, collection.name)
        return json_response(op.status, self._project(business, record, op))

    def _project(self, business: Business, record: Record, op: Operation) -> dict[str, Any]:
        """The record cut to the properties of the operation's answer schema."""
        data = self.store.served(business, record)
        if op.response is None:
            return data
        schema, _ = self.spec.resolve(op.response)
        properties = schema.get("properties", {})
        return {name: value for name, value in data.items() if name in properties}

    # --- the user's own resources ------------------------------------------------------------

    def _user_level(self, request: Request, route: RouteMatch, business: Business) -> Response:
        op, name = route.operation, route.collection.name
        if name == "user":
            if request.method == "GET":
                return json_response(200, self.store.user)
            return self._write(request, op, lambda f: self._put_user_level(None, "user", f))
        if route.key is None:
            paging = self._paging(request, op)
            if isinstance(paging, Response):
                return paging
            page, size = paging
            with self.store.lock:
                infos = [b.info for b in self.store.businesses.values()]
            window = infos[(page - 1) * size : page * size]
            return self._envelope(request, op, window, len(infos), page, size)
        key = self.store.lead_business_id if route.key == "lead" else route.key
        target = self.store.business(key) if key else None
        if target is None:
            raise NotFound
        if request.method == "GET":
            return json_response(200, target.info)
        return self._write(request, op, lambda f: self._put_user_level(target, "businesses", f))

    def _put_user_level(
        self, business: Business | None, name: str, fields: dict[str, Any]
    ) -> Response:
        data = self.store.update_singleton(business, name, fields)
        self.stats_count(self.stats.updated, name)
        return json_response(200, data)

    def stats_count(self, counter: Any, name: str) -> None:
        with self.stats.lock:
            counter[name] += 1


def _invalid_parameters(problems: list[Problem]) -> Response:
    return sage_errors(422, [("InvalidParameter", p.message, p.source) for p in problems])


def _copyable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("id", "$path", "created_at", "updated_at")}
