"""Every answer of a broad sweep over all operations validates against the patched spec.

openapi-schema-validator (the schema engine of openapi-core) checks each body against the
response schema the patched OpenAPI document declares for that path, method and status.
Deliberate departures are left out: injected faults (a 502 gateway page is HTML on purpose).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sage_accounting.testing import FakeClock, SageEmulator
from tests.testing.conftest import START

SPEC_FILE = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"
BASE = "urn:sage-accounting"
MAX_SECONDS = 30.0


class Conformance:
    """Validates answers (and the example bodies sent) against the patched document."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(BASE, resource)
        self.checked: dict[tuple[str, str, int], int] = {}
        self.failures: list[str] = []

    def _errors(self, pointer: str, instance: Any, write: bool = False) -> list[str]:
        cls = OAS30WriteValidator if write else OAS30Validator
        validator = cls(
            {"$ref": f"{BASE}#{pointer}"},
            registry=self.registry,
            format_checker=oas30_format_checker,
        )
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)
        ]

    def request_body(self, template: str, method: str, body: Any) -> None:
        operation = f"/paths/{_escape(template)}/{method.lower()}"
        pointer = f"{operation}/requestBody/content/application~1json/schema"
        errors = self._errors(pointer, body, write=True)
        if errors:
            self.failures.append(f"request {method} {template}: {errors[:3]}")

    def response(self, template: str, method: str, answer: httpx.Response) -> None:
        method = method.lower()
        status = answer.status_code
        responses = self.document["paths"][template][method]["responses"]
        code = str(status) if str(status) in responses else f"{str(status)[0]}XX"
        where = f"{method.upper()} {template} -> {status}"
        if code not in responses:
            self.failures.append(f"{where}: status not declared")
            return
        declared = responses[code]
        pointer = f"/paths/{_escape(template)}/{method}/responses/{code}"
        if "$ref" in declared:
            pointer = declared["$ref"].removeprefix("#")
            declared = self.document["components"]["responses"][pointer.rsplit("/", 1)[1]]
        content = declared.get("content")
        key = (method, template, status)
        self.checked[key] = self.checked.get(key, 0) + 1
        if not content:
            if answer.content:
                self.failures.append(f"{where}: body where the spec declares none")
            return
        media = answer.headers.get("Content-Type", "").split(";")[0]
        if media not in content:
            self.failures.append(f"{where}: content type {media!r} not declared")
            return
        if media != "application/json":
            return
        errors = self._errors(f"{pointer}/content/{_escape(media)}/schema", answer.json())
        if errors:
            self.failures.append(f"{where}: {errors[:3]}")

    def error_list(self, answer: httpx.Response) -> None:
        """An answer to no operation of the spec (unknown path or method): Sage's error list."""
        self.checked[("none", "none", answer.status_code)] = 1
        pointer = "/components/responses/SageErrors/content/application~1json/schema"
        errors = self._errors(pointer, answer.json())
        if errors or answer.status_code not in (404, 405):
            self.failures.append(f"{answer.request.url} -> {answer.status_code}: {errors[:3]}")


def _escape(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


@pytest.fixture(scope="module")
def conformance() -> Conformance:
    return Conformance()


def _emulator() -> tuple[SageEmulator, httpx.Client, dict[str, str]]:
    fake = SageEmulator(seed=11, clock=FakeClock(START, frozen=True))
    keys: dict[str, str] = {}
    for name, collection in fake.spec.collections.items():
        if collection.get_op is not None and name not in ("businesses", "user"):
            keys[name] = fake.seed(name, 3, full=False)[0]["id"]
    token = fake.issue_token()["access_token"]
    client = httpx.Client(
        transport=fake.transport,
        base_url=fake.api_base_url,
        headers={"Authorization": f"Bearer {token}"},
    )
    return fake, client, keys


def test_every_operation_answers_as_the_spec_says(conformance: Conformance) -> None:
    started = time.monotonic()
    fake, client, keys = _emulator()
    check = conformance.response
    for name, collection in fake.spec.collections.items():
        assert time.monotonic() - started < MAX_SECONDS, "the sweep is bounded in time"
        key = keys.get(name)
        if collection.list_op is not None:
            t = collection.list_op.template
            check(t, "GET", client.get(t, params={"items_per_page": 2}))
            check(t, "GET", client.get(t, params={"items_per_page": 2, "page": 2}))
            check(t, "GET", client.get(t, params={"items_per_page": 3, "attributes": "all"}))
            since: dict[str, str | int] = {
                "updated_or_created_since": "2025-01-01T00:00:00Z",
                "items_per_page": 2,
            }
            check(t, "GET", client.get(t, params=since))
            check(t, "GET", client.get(t, params={"items_per_page": 500}))
        if collection.singleton_get is not None:
            t = collection.singleton_get.template
            check(t, "GET", client.get(t))
        if collection.singleton_put is not None:
            t = collection.singleton_put.template
            body = fake.example_body(name, "PUT", wrapped=True)
            conformance.request_body(t, "PUT", body)
            check(t, "PUT", client.put(t, json=body))
        if collection.create_op is not None:
            t = collection.create_op.template
            for minimal in (True, False):
                body = fake.example_body(name, wrapped=True, minimal=minimal)
                conformance.request_body(t, "POST", body)
                check(t, "POST", client.post(t, json=body))
            check(t, "POST", client.post(t, json={}))
            check(t, "POST", client.post(t, content=b"<x/>", headers={"Content-Type": "text/xml"}))
        if collection.get_op is not None and name not in ("businesses", "user"):
            t = collection.get_op.template
            check(t, "GET", client.get(t.replace("{key}", key or "missing")))
            check(t, "GET", client.get(t.replace("{key}", "0" * 32)))
        for (method, _action), op in collection.actions.items():
            if key is None:
                continue
            path = op.template.replace("{key}", key)
            headers = {"Accept": "application/octet-stream"}
            check(op.template, method, client.request(method, path, headers=headers))
        if collection.update_op is not None and key is not None:
            t = collection.update_op.template
            body = fake.example_body(name, "PUT", wrapped=True)
            conformance.request_body(t, "PUT", body)
            check(t, "PUT", client.put(t.replace("{key}", key), json=body))
        if collection.delete_op is not None and key is not None:
            t = collection.delete_op.template
            check(t, "DELETE", client.delete(t.replace("{key}", key)))
            check(t, "DELETE", client.delete(t.replace("{key}", key)))
            if collection.list_op is not None:
                gone = {"deleted_since": "2025-01-01T00:00:00Z"}
                check(
                    collection.list_op.template, "GET", client.get(name and f"/{name}", params=gone)
                )
    for t, method, path in (
        ("/businesses", "GET", "/businesses"),
        ("/businesses/{key}", "GET", "/businesses/lead"),
        ("/businesses/{key}", "GET", f"/businesses/{fake.lead_business_id}"),
        ("/businesses/{key}", "GET", "/businesses/unknown"),
        ("/user", "GET", "/user"),
    ):
        check(t, method, client.request(method, path))
    check(
        "/user", "PUT", client.put("/user", json={"user": {"first_name": "Kim", "locale": "en-GB"}})
    )
    check("/user", "PUT", client.put("/user", json={"user": {"locale": "xx"}}))
    business = {"business": {"name": "Renamed"}}
    check("/businesses/{key}", "PUT", client.put("/businesses/lead", json=business))
    check(
        "/contacts",
        "GET",
        httpx.Client(transport=fake.transport).get(f"{fake.api_base_url}/contacts"),
    )
    conformance.error_list(client.delete("/contacts"))
    conformance.error_list(client.get("/no_such_collection"))

    assert not conformance.failures, "\n".join(conformance.failures[:40])
    operations = {(m.upper(), t) for (m, t, _s) in conformance.checked if m != "none"}
    every = {(op.method, op.template) for op in fake.spec.operations}
    assert operations == every, sorted(every - operations)
    statuses = {s for (_m, _t, s) in conformance.checked}
    assert {200, 201, 204, 401, 404, 405, 415, 422} <= statuses
    assert sum(conformance.checked.values()) > 800


def test_served_answers_conform(conformance: Conformance) -> None:
    fake = SageEmulator(seed=12, links="mixed")
    fake.seed("ledger_accounts", 5, full=False)
    fake.seed("contacts", 12, full=False)
    invoices = fake.seed("sales_invoices", 12, full=False)
    token = fake.issue_token()["access_token"]
    with (
        fake.serve() as base_url,
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        for template in ("/contacts", "/sales_invoices", "/ledger_accounts", "/businesses"):
            link: str | None = f"{template}?items_per_page=5&attributes=all"
            while link:
                answer = client.get(link)
                conformance.response(template, "GET", answer)
                link = answer.json()["$next"]
        key = invoices[0]["id"]
        conformance.response("/sales_invoices/{key}", "GET", client.get(f"/sales_invoices/{key}"))
        body = fake.example_body("sales_invoices", wrapped=True)
        conformance.response("/sales_invoices", "POST", client.post("/sales_invoices", json=body))
        conformance.response(
            "/sales_invoices/{key}/release", "POST", client.post(f"/sales_invoices/{key}/release")
        )
        conformance.response(
            "/sales_invoices/{key}", "DELETE", client.delete(f"/sales_invoices/{key}")
        )
    assert not conformance.failures, "\n".join(conformance.failures[:20])
