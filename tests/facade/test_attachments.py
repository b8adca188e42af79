"""Attachments as files: `sage.attachments.upload(...)` and `download(...)` against the emulator."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sage_accounting import RawResponse, SageAccounting
from sage_accounting.attachments import MAX_FILE_SIZE, AttachmentTooLargeError
from sage_accounting.errors import InvalidBodyError, InvalidResponseError, RedirectError
from sage_accounting.models import Attachment, PurchaseInvoice
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client, token_of

from .conftest import async_client

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture()
def invoice(fake: SageEmulator, client: SageAccounting) -> PurchaseInvoice:
    fake.seed("purchase_invoices", 3)
    return client.purchase_invoices.get(str(fake.records("purchase_invoices")[1]["id"]))


def api_calls(fake: SageEmulator) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in fake.stats.requests if not e.path.startswith("/oauth")]


def stored_file(fake: SageEmulator, key: str) -> bytes:
    record = next(r for r in fake.records("attachments") if r["id"] == key)
    return base64.b64decode(record["file"])


def test_upload_from_a_path_names_it_and_guesses_its_type(
    fake: SageEmulator, client: SageAccounting, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(PDF)

    created = client.attachments.upload(receipt, to=invoice, description="April fuel")

    assert isinstance(created, Attachment)
    assert (created.file_name, created.mime_type) == ("receipt.pdf", "application/pdf")
    assert created.file_size == len(PDF) and created.description == "April fuel"
    assert created.attachment_context_type.id == "PURCHASE_INVOICE"  # type: ignore[union-attr]
    assert created.attachment_context.id == invoice.id  # type: ignore[union-attr]
    assert stored_file(fake, str(created.id)) == PDF


def test_upload_bytes_and_file_objects_with_every_form_of_target(
    fake: SageEmulator, client: SageAccounting, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    from_bytes = client.attachments.upload(
        PDF, to=("purchase_invoices", str(invoice.id)), file_name="scan.png"
    )
    assert from_bytes.mime_type == "image/png"  # guessed from the name given
    path = tmp_path / "note.txt"
    path.write_bytes(b"paid in cash")
    with path.open("rb") as handle:
        from_file = client.attachments.upload(handle, to=invoice.to_dict(), mime_type="text/x-memo")
    assert (from_file.file_name, from_file.mime_type) == ("note.txt", "text/x-memo")  # override
    unnamed = client.attachments.upload(
        io.BytesIO(b"\x00\x01"), to=("JOURNAL", "j1"), file_name="blob"
    )
    assert unnamed.mime_type == "application/octet-stream"  # nothing to guess from
    assert unnamed.attachment_context_type.id == "JOURNAL"  # type: ignore[union-attr]
    assert stored_file(fake, str(from_file.id)) == b"paid in cash"


def test_async_upload_and_download(
    fake: SageEmulator, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    async def main() -> tuple[Attachment, int, bytes]:
        async with async_client(fake) as sage:
            created = await sage.attachments.upload(PDF, to=invoice, file_name="a.pdf")
            size = await sage.attachments.download(created, to=tmp_path / "copy.pdf")
            out = io.BytesIO()
            await sage.attachments.download(str(created.id), to=out)
            return created, size, out.getvalue()

    created, size, streamed = asyncio.run(main())
    assert created.mime_type == "application/pdf"
    assert size == len(PDF)
    assert (tmp_path / "copy.pdf").read_bytes() == PDF and streamed == PDF


def test_a_file_over_sages_limit_is_refused_before_anything_is_sent(
    fake: SageEmulator, client: SageAccounting, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    assert MAX_FILE_SIZE == 2_621_440  # the spec's maximum of file_size
    big = tmp_path / "scan.tiff"
    big.write_bytes(b"\0" * (MAX_FILE_SIZE + 1))
    before = api_calls(fake)

    with pytest.raises(AttachmentTooLargeError) as raised:
        client.attachments.upload(big, to=invoice)
    assert "2,621,441 bytes" in str(raised.value) and "2,621,440" in str(raised.value)
    assert (raised.value.size, raised.value.limit) == (MAX_FILE_SIZE + 1, MAX_FILE_SIZE)
    with big.open("rb") as handle, pytest.raises(AttachmentTooLargeError, match="2,621,441"):
        client.attachments.upload(handle, to=invoice)
    stream = io.BytesIO(b"\0" * (MAX_FILE_SIZE + 10))  # no size to ask: read one byte past
    with pytest.raises(AttachmentTooLargeError, match="more than 2,621,440 bytes"):
        client.attachments.upload(stream, to=invoice, file_name="x.bin")
    assert stream.tell() == MAX_FILE_SIZE + 1
    assert api_calls(fake) == before  # no request at all
    exact = client.attachments.upload(b"\1" * MAX_FILE_SIZE, to=invoice, file_name="max.bin")
    assert exact.file_size == MAX_FILE_SIZE  # the limit itself is allowed


def test_records_sage_takes_no_attachment_on_are_refused_clearly(
    fake: SageEmulator, client: SageAccounting
) -> None:
    fake.seed("contacts", 1)
    contact = client.contacts.get(str(fake.records("contacts")[0]["id"]))
    before = api_calls(fake)
    with pytest.raises(InvalidBodyError, match="does not attach files to 'contacts'") as raised:
        client.attachments.upload(PDF, to=contact, file_name="a.pdf")
    assert "purchase_invoices (PURCHASE_INVOICE)" in str(raised.value)
    with pytest.raises(InvalidBodyError, match="SALES_INVOICE"):
        client.attachments.upload(PDF, to=("SALES_INVOICE", "k"), file_name="a.pdf")
    with pytest.raises(InvalidBodyError, match=r"\$path"):
        client.attachments.upload(PDF, to={"id": "k"}, file_name="a.pdf")
    with pytest.raises(TypeError, match="an id alone"):
        client.attachments.upload(PDF, to="k", file_name="a.pdf")
    with pytest.raises(InvalidBodyError, match="file_name="):
        client.attachments.upload(PDF, to=("JOURNAL", "k"))
    with pytest.raises(TypeError, match="text mode"):
        client.attachments.upload(io.StringIO("x"), to=("JOURNAL", "k"), file_name="a.txt")  # type: ignore[arg-type]
    assert api_calls(fake) == before


def test_download_round_trip_is_byte_exact_to_a_path_a_directory_and_a_file_object(
    client: SageAccounting, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    created = client.attachments.upload(PDF, to=invoice, file_name="../../receipt.pdf")
    key = str(created.id)

    assert client.attachments.download(key, to=tmp_path / "out.pdf") == len(PDF)
    assert (tmp_path / "out.pdf").read_bytes() == PDF
    folder = tmp_path / "inbox"
    folder.mkdir()
    client.attachments.download(key, to=folder)  # the record's own name, without its "../"
    assert (folder / "receipt.pdf").read_bytes() == PDF
    out = io.BytesIO()
    client.attachments.download(created, to=out)
    assert out.getvalue() == PDF
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox", "out.pdf"]  # no temporaries


def test_the_file_is_served_with_its_length(
    client: SageAccounting, invoice: PurchaseInvoice
) -> None:
    created = client.attachments.upload(PDF, to=invoice, file_name="r.pdf")
    answer = client.request(
        "GET", f"/attachments/{created.id}/file", headers={"Accept": "application/octet-stream"}
    )
    assert answer.headers["content-type"] == "application/octet-stream"  # the spec's type
    assert answer.headers["content-length"] == str(len(PDF))
    assert answer.content == PDF


def test_a_size_other_than_the_records_is_an_error_and_leaves_no_file(
    client: SageAccounting, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    created = client.attachments.upload(PDF, to=invoice, file_name="r.pdf")
    target = tmp_path / "r.pdf"
    target.write_bytes(b"the previous copy")
    stale = Attachment.from_dict({**created.to_dict(), "file_size": len(PDF) + 1})

    with pytest.raises(InvalidResponseError, match=f"{len(PDF)} bytes, but the attachment's"):
        client.attachments.download(stale, to=target)
    assert target.read_bytes() == b"the previous copy"  # untouched, not half-written
    out = io.BytesIO()
    with pytest.raises(InvalidResponseError):
        client.attachments.download(stale, to=out)
    assert out.getvalue() == b""
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


class CutOff(httpx.BaseTransport):
    """The emulator's transport, with file bodies cut short (Content-Length left as sent)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not request.url.path.endswith("/file"):
            return response
        body = response.read()
        return httpx.Response(200, headers=response.headers, content=body[: len(body) // 2])


def test_a_short_body_is_an_error_even_without_the_record(
    fake: SageEmulator, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    with make_client(fake) as sage:
        key = str(sage.attachments.upload(PDF, to=invoice, file_name="r.pdf").id)
    cut = make_client(fake, transport=CutOff(fake.transport))
    with cut as sage, pytest.raises(InvalidResponseError, match="its Content-Length says"):
        sage.attachments.download(key, to=tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_credentials_go_only_to_the_api_origin(
    fake: SageEmulator, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    seen: list[tuple[str, str | None, str | None]] = []

    def elsewhere(request: httpx.Request) -> httpx.Response:
        seen.append(
            (
                request.url.host,
                request.headers.get("authorization"),
                request.headers.get("x-business"),
            )
        )
        if request.url.path.endswith("/file"):  # a file store elsewhere, as a CDN would answer
            return httpx.Response(302, headers={"Location": "https://files.example.net/r.pdf"})
        return httpx.Response(200, content=PDF)

    api_host = httpx.URL(fake.api_base_url).host
    client = make_client(fake, transport=httpx.MockTransport(elsewhere), token=token_of(fake))
    with client as sage, pytest.raises(RedirectError, match=r"files\.example\.net"):
        sage.with_business("b1").attachments.download("k", to=tmp_path / "r.pdf")
    assert seen and all(host == api_host for host, _, _ in seen)  # the redirect not followed
    assert all(auth and auth.startswith("Bearer ") and biz == "b1" for _, auth, biz in seen)
    assert list(tmp_path.iterdir()) == []


def test_list_pages_are_small_as_sage_advises(fake: SageEmulator, client: SageAccounting) -> None:
    fake.seed("attachments", 45)
    assert len(list(client.attachments.list())) == 45
    sizes: list[Any] = [
        e.query for e in fake.stats.requests if e.path == "/attachments" and e.method == "GET"
    ]
    assert len(sizes) == 3 and all("items_per_page=20" in q for q in sizes)


class Recorder(httpx.BaseTransport):
    """The emulator's transport, keeping every API request it is sent (bodies read)."""

    def __init__(self, fake: SageEmulator) -> None:
        self.inner = fake.transport
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if not request.url.path.startswith("/oauth"):
            self.sent.append(request)
        return self.inner.handle_request(request)


def test_upload_and_download_take_extras_as_every_facade_call_does(
    fake: SageEmulator, invoice: PurchaseInvoice, tmp_path: Path
) -> None:
    recorder = Recorder(fake)
    with make_client(fake, transport=recorder) as sage:
        tagged = sage.with_options(extra_headers={"X-Team": "books"})
        created = tagged.attachments.upload(
            PDF,
            to=invoice,
            file_name="r.pdf",
            extra_headers={"X-Trace": "up"},
            extra_query={"lang": "en"},
            extra_body={"attachment": {"description": "from extra_body"}},
        )
        (tmp_path / "inbox").mkdir()
        size = tagged.attachments.download(
            str(created.id), to=tmp_path / "inbox", extra_headers={"X-Trace": "down"}
        )
    assert created.description == "from extra_body" and created.file_name == "r.pdf"
    assert size == len(PDF) and (tmp_path / "inbox" / "r.pdf").read_bytes() == PDF
    post, record, file = recorder.sent[-3:]
    assert (post.method, post.headers["x-trace"], post.url.params["lang"]) == ("POST", "up", "en")
    assert json.loads(post.content)["attachment"]["file_name"] == "r.pdf"  # merged, not replaced
    assert record.url.path.endswith(f"/attachments/{created.id}")  # to learn its file name
    assert file.url.path.endswith(f"/attachments/{created.id}/file")
    assert {r.headers["x-trace"] for r in (record, file)} == {"down"}
    assert {r.headers["x-team"] for r in (post, record, file)} == {"books"}
    with pytest.raises(ValueError, match="may not set X-Business"):
        sage.attachments.upload(
            PDF, to=invoice, file_name="r.pdf", extra_headers={"X-Business": "b"}
        )


def test_upload_and_download_answer_their_http_answer_with_raw_response(
    client: SageAccounting, invoice: PurchaseInvoice
) -> None:
    raw = client.with_raw_response.attachments.upload(PDF, to=invoice, file_name="r.pdf")
    assert isinstance(raw, RawResponse)
    assert (raw.status_code, raw.request.method, raw.attempts) == (201, "POST", 1)
    created = raw.parse()
    assert isinstance(created, Attachment) and created.file_size == len(PDF)

    out = io.BytesIO()
    fetched = client.with_raw_response.attachments.download(created, to=out)
    assert fetched.parse() == len(PDF) and out.getvalue() == PDF
    assert fetched.request.url.path.endswith(f"/attachments/{created.id}/file")
    assert fetched.headers["content-length"] == str(len(PDF))


def test_async_upload_and_download_take_extras_and_answer_raw(
    fake: SageEmulator, invoice: PurchaseInvoice
) -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        await request.aread()
        seen.append(request)
        return await fake.async_transport.handle_async_request(request)

    async def main() -> tuple[int, int, bytes]:
        transport = httpx.MockTransport(handler)
        async with make_async_client(fake, transport=transport) as sage:
            raw = await sage.with_raw_response.attachments.upload(
                PDF, to=invoice, file_name="a.pdf", extra_body={"attachment": {"description": "d"}}
            )
            out = io.BytesIO()
            fetched = await sage.with_raw_response.attachments.download(
                raw.parse(), to=out, extra_query={"lang": "en"}
            )
            return raw.status_code, fetched.parse(), out.getvalue()

    status, size, streamed = asyncio.run(main())
    assert (status, size, streamed) == (201, len(PDF), PDF)
    post, file = [r for r in seen if "/attachments" in r.url.path]
    assert json.loads(post.content)["attachment"]["description"] == "d"
    assert file.url.params["lang"] == "en"
