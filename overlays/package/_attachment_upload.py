"""An upload's body: the file read from a path, bytes or a file object, its name and MIME type,
Sage's size limit checked before anything is sent, and the record it attaches to.

Sage takes a file as base64 inside the JSON of `POST /attachments`, with the attachment
context (`attachment_context_type_id`, `attachment_context_id`) naming the transaction it
belongs to. `to=` says which: a record the client returned (`sage.purchase_invoices.get(k)`),
a record dict with its `$path`, or `(type, id)` with a collection name (`"purchase_invoices"`)
or a context type id (`"PURCHASE_INVOICE"`).
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from ._attachment_spec import CONTEXT_TYPES, MAX_FILE_SIZE, MODEL_COLLECTIONS
from .errors import InvalidBodyError

if TYPE_CHECKING:
    from .models.post_attachments import PostAttachments

#: What `upload` reads: a path, the bytes themselves, or a binary file object.
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
#: What a file attaches to: a record (model or dict with `$path`) or `(type, id)`.
Target = object | Mapping[str, Any] | tuple[str, str]

DEFAULT_MIME_TYPE = "application/octet-stream"
_CHUNK = 64 * 1024


class AttachmentTooLargeError(InvalidBodyError):
    """The file is larger than Sage takes (`limit`, from the spec); nothing was sent."""

    def __init__(self, file_name: str, size: int | None, limit: int) -> None:
        said = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
        super().__init__(
            f"{file_name} is {said}, over Sage's limit of {limit:,} bytes for an attachment; "
            "nothing was sent"
        )
        self.file_name = file_name
        self.size = size
        self.limit = limit


def upload_body(
    source: Source,
    *,
    to: Target,
    file_name: str | None = None,
    mime_type: str | None = None,
    description: str | None = None,
    limit: int | None = MAX_FILE_SIZE,
) -> PostAttachments:
    """The body of `POST /attachments` for `source` attached to `to` (see the module); a file
    over `limit` is an `AttachmentTooLargeError` before it is read whole."""
    from .models.post_attachments import PostAttachments
    from .models.post_attachments_attachment import PostAttachmentsAttachment

    type_id, context_id = context_of(to)  # bad target: refused before the file is read
    content, name = read_source(source, file_name, limit)
    attachment = PostAttachmentsAttachment(
        file=base64.b64encode(content).decode("ascii"),
        file_name=name,
        mime_type=mime_type or guess_mime_type(name),
        file_size=len(content),
        attachment_context_type_id=type_id,
        attachment_context_id=context_id,
    )
    if description is not None:
        attachment.description = description
    return PostAttachments(attachment=attachment)


def guess_mime_type(file_name: str) -> str:
    """The MIME type of a file by its name (stdlib `mimetypes`), else application/octet-stream."""
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or DEFAULT_MIME_TYPE


def read_source(source: Source, file_name: str | None, limit: int | None) -> tuple[bytes, str]:
    """The file's bytes and the name it goes by: `file_name`, else the path's or file's own."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = _name(file_name, None, "bytes")
        content = bytes(source)
        _check_size(name, len(content), limit)
        return content, name
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        name = _name(file_name, path, "a path")
        _check_size(name, os.stat(path).st_size, limit)  # before reading it
        with open(path, "rb") as handle:
            return _read(handle, name, limit), name
    if callable(getattr(source, "read", None)):
        own = getattr(source, "name", None)
        name = _name(file_name, own if isinstance(own, (str, os.PathLike)) else None, "a file")
        return _read(source, name, limit), name
    raise TypeError(
        f"upload() takes a path, bytes or a binary file object, not {type(source).__name__}"
    )


def _name(given: str | None, path: str | os.PathLike[str] | None, what: str) -> str:
    if given is not None:
        if not given.strip():
            raise InvalidBodyError("file_name must not be blank")
        return given
    name = PurePath(os.fspath(path)).name if path is not None else ""
    if not name:
        raise InvalidBodyError(
            f"file_name= is needed to upload {what} without a name: Sage stores the file "
            "under one (and the MIME type is guessed from it)"
        )
    return name


def _read(handle: IO[bytes] | Any, name: str, limit: int | None) -> bytes:
    """Read to the end, but never more than one byte past `limit`."""
    chunks: list[bytes] = []
    size = 0
    while limit is None or size <= limit:
        chunk = handle.read(_CHUNK if limit is None else min(_CHUNK, limit + 1 - size))
        if isinstance(chunk, str):
            raise TypeError(f"{name} is open in text mode: open it with 'rb' to upload it")
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    assert limit is not None
    raise AttachmentTooLargeError(name, _remaining_size(handle, size), limit)


def _remaining_size(handle: Any, read: int) -> int | None:
    """The whole file's size where the file object can tell (a real file), else None."""
    try:
        rest = os.fstat(handle.fileno()).st_size - int(handle.tell())
    except (AttributeError, OSError, ValueError):
        return None
    return read + rest if rest >= 0 else None


def _check_size(name: str, size: int, limit: int | None) -> None:
    if limit is not None and size > limit:
        raise AttachmentTooLargeError(name, size, limit)


def context_of(to: Target) -> tuple[str, str]:
    """`(attachment_context_type_id, attachment_context_id)` of the record `to` (see the
    module); a record Sage does not attach files to is an `InvalidBodyError` naming those
    it does."""
    if isinstance(to, tuple):
        if len(to) != 2 or not all(isinstance(part, str) and part for part in to):
            raise TypeError(f"to=(type, id) takes two non-empty strings, not {to!r}")
        kind, key = to
        return _type_id(kind, f"to={to!r}"), key
    if isinstance(to, str):
        raise TypeError(
            "to= takes the record itself, a record dict with its $path, or (type, id): "
            "an id alone does not say which kind of record it is"
        )
    if isinstance(to, Mapping):
        path = to.get("$path")
        if not isinstance(path, str):
            raise InvalidBodyError(
                "to= got a dict without its $path (as Sage sends every record): "
                "pass (type, id) instead, e.g. ('purchase_invoices', key)"
            )
        return _from_path(path)
    path = getattr(to, "path", None)
    if isinstance(path, str):
        return _from_path(path)
    collection = MODEL_COLLECTIONS.get(type(to).__name__)
    key = getattr(to, "id", None)
    if collection is not None and isinstance(key, str) and key:
        return CONTEXT_TYPES[collection], key
    if collection is not None:
        raise InvalidBodyError(f"to= got a {type(to).__name__} without its id")
    raise TypeError(
        f"to= takes a record, a record dict with its $path, or (type, id), "
        f"not {type(to).__name__}: {_supported()}"
    )


def _from_path(path: str) -> tuple[str, str]:
    parts = [part for part in path.split("/") if part]
    if len(parts) < 2:
        raise InvalidBodyError(f"to= has $path {path!r}, not /collection/id")
    return _type_id(parts[-2], f"the record at {path}"), parts[-1]


def _type_id(kind: str, what: str) -> str:
    if kind in CONTEXT_TYPES:
        return CONTEXT_TYPES[kind]
    if kind in CONTEXT_TYPES.values():
        return kind
    raise InvalidBodyError(f"{what}: Sage does not attach files to {kind!r}; {_supported()}")


def _supported() -> str:
    pairs = ", ".join(f"{name} ({type_id})" for name, type_id in CONTEXT_TYPES.items())
    return f"attachments go on {pairs}"
