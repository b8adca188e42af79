"""Attachments in the emulator as Sage keeps them: the file in the record (base64), its size
and extension taken from it, Sage's size limit on what is written, and the file endpoint."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import posixpath
from typing import Any

from ._http import Response, sage_errors
from ._spec import Spec

COLLECTION = "attachments"


def size_limit(spec: Spec) -> int | None:
    """`file_size`'s maximum in the create body of /attachments (None: the spec sets none)."""
    collection = spec.collections.get(COLLECTION)
    if collection is None or collection.create_op is None or collection.create_op.body is None:
        return None
    wrapper, _ = spec.resolve(collection.create_op.body)
    inner_ref: dict[str, Any] = next(iter(wrapper.get("properties", {}).values()), {})
    inner, _ = spec.resolve(inner_ref)
    maximum = inner.get("properties", {}).get("file_size", {}).get("maximum")
    return maximum if isinstance(maximum, int) else None


def written_fields(fields: dict[str, Any], limit: int | None) -> dict[str, Any] | Response:
    """The fields to store for a written attachment, or Sage's 422 naming `file`: a file
    that is not base64, or one over `limit` bytes."""
    encoded = fields.get("file")
    if not isinstance(encoded, str):
        return fields
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return _invalid("is not base64-encoded")
    if limit is not None and len(content) > limit:
        return _invalid(f"is too large ({len(content)} bytes; the maximum is {limit} bytes)")
    stored = {**fields, "file_size": len(content)}  # Sage measures the file itself
    name = fields.get("file_name")
    if isinstance(name, str) and "file_extension" not in fields:
        stored["file_extension"] = posixpath.splitext(name)[1]
    return stored


def file_response(data: dict[str, Any], key: str) -> Response:
    """`GET /attachments/{key}/file`: the stored file, typed as the spec declares the answer
    (application/octet-stream, the Accept it requires; the record holds the MIME type).

    A seeded record's `file` is made-up text, so one whose file is not `file_size` bytes of
    base64 answers `file_size` bytes made from its key (its record and its file then agree)."""
    size = data.get("file_size")
    content = None
    encoded = data.get("file")
    if isinstance(encoded, str):
        with contextlib.suppress(binascii.Error, ValueError):
            content = base64.b64decode(encoded, validate=True)
    if content is None or (isinstance(size, int) and len(content) != size):
        size = size if isinstance(size, int) and 0 <= size <= 1 << 20 else 256
        content = (hashlib.sha256(key.encode("ascii")).digest() * (size // 32 + 1))[:size]
    return Response(200, [("Content-Type", "application/octet-stream")], content)


def _invalid(problem: str) -> Response:
    return sage_errors(422, [("RecordInvalid", f"file {problem}", "file")])
