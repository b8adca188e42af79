"""The emulator keeps attachment files as Sage does: stored, measured, served, size-limited."""

from __future__ import annotations

import base64

import httpx

from sage_accounting.testing import SageEmulator

LIMIT = 2_621_440  # the spec's maximum of file_size


def upload(client: httpx.Client, content: bytes, **extra: object) -> httpx.Response:
    body = {
        "file": base64.b64encode(content).decode(),
        "file_name": "scan.png",
        "mime_type": "image/png",
        "attachment_context_type_id": "PURCHASE_INVOICE",
        "attachment_context_id": "a" * 32,
        **extra,
    }
    return client.post("/attachments", json={"attachment": body})


def test_a_file_is_stored_measured_served_and_listed(
    fake: SageEmulator, client: httpx.Client
) -> None:
    content = bytes(range(256)) * 9
    created = upload(client, content, file_size=1)  # Sage measures the file itself
    assert created.status_code == 201
    record = created.json()
    assert (record["file_size"], record["file_extension"]) == (len(content), ".png")

    served = client.get(
        f"/attachments/{record['id']}/file", headers={"Accept": "application/octet-stream"}
    )
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == "application/octet-stream"  # as the spec declares
    assert served.headers["content-length"] == str(len(content))

    listed = client.get(
        "/attachments",
        params={
            "attachment_context_type_id": "PURCHASE_INVOICE",
            "attachment_context_id": "a" * 32,
        },
    ).json()
    assert [item["id"] for item in listed["$items"]] == [record["id"]]


def test_a_file_over_the_limit_is_a_422_naming_the_field(
    fake: SageEmulator, client: httpx.Client
) -> None:
    assert upload(client, b"\0" * LIMIT).status_code == 201  # the limit itself is allowed
    refused = upload(client, b"\0" * (LIMIT + 1))
    assert refused.status_code == 422
    (error,) = refused.json()
    assert error["$source"] == "file" and error["$severity"] == "error"
    assert f"{LIMIT + 1} bytes" in error["$message"] and str(LIMIT) in error["$message"]
    assert fake.count("attachments") == 1
    key = fake.records("attachments")[0]["id"]
    too_big = base64.b64encode(b"\0" * (LIMIT + 1)).decode()
    assert (
        client.put(f"/attachments/{key}", json={"attachment": {"file": too_big}}).status_code == 422
    )
    not_base64 = upload(client, b"", file="%%%")
    assert not_base64.status_code == 422 and not_base64.json()[0]["$source"] == "file"


def test_a_seeded_attachment_serves_as_many_bytes_as_its_record_says(
    fake: SageEmulator, client: httpx.Client
) -> None:
    fake.seed("attachments", 2)
    for record in fake.records("attachments"):
        served = client.get(f"/attachments/{record['id']}/file")
        assert len(served.content) == record["file_size"]
