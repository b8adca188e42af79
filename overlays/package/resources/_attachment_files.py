"""Attachments as files: `upload` and `download` on `sage.attachments`, sync and async.

The generated `AttachmentsResource` / `AsyncAttachmentsResource` inherit these classes
(generator/facade.py `_MIXINS`); the work is done in `_attachment_upload.py` and
`_attachment_download.py`, so the twins differ only in how they send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._attachment_download import Destination, Download, attachment_facts, needs_name
from .._attachment_upload import Source, Target, upload_body
from .._extras import HeaderValue, extend
from .._lazy import LazyModule
from ._base import AsyncResource, SyncResource, decode

# Annotations name the model as `_models.Attachment`, imported when read (get_type_hints).
if TYPE_CHECKING:
    from .. import models as _models
else:
    _models = LazyModule("..models", __package__)

_UPLOAD_DOC = """Upload a file as an attachment of the record `to`; returns the new Attachment.

        Args:
            source: a path, the file's bytes, or a binary file object (read from where it is).
            to: the record it belongs to: one the client returned, a record dict with its
                `$path`, or `(type, id)` such as `("purchase_invoices", key)` or
                `("PURCHASE_INVOICE", key)`. Sage takes attachments on purchase invoices and
                credit notes, other payments and receipts, and journals; another record is an
                `InvalidBodyError` before anything is sent.
            file_name: the name Sage stores (default: the path's or file object's name; needed
                for bytes).
            mime_type: default: guessed from the name (`mimetypes`), else
                application/octet-stream.
            description: the attachment's description.

        A file over Sage's limit (`MAX_FILE_SIZE`, from the spec: 2,621,440 bytes) is an
        `AttachmentTooLargeError` naming both sizes, raised before anything is sent.

        extra_headers, extra_query, extra_body: sent to the API as given, merged last, as on
        every facade call (see the guide Requests and answers)."""

_DOWNLOAD_DOC = """Stream the attachment's file into `to`; returns its size in bytes.

        Args:
            attachment: its key, or its record (an Attachment or a dict), whose `file_size`
                the download is checked against.
            to: a file path (written whole or not at all: the body goes to a temporary file
                beside it, renamed into place once its size checks out), a directory (the
                attachment's own file name there), or a binary file object (written only once
                the whole file arrived).

        A body shorter or longer than the record's `file_size` or the answer's Content-Length
        is an `InvalidResponseError`, and nothing is left under the target's name.

        extra_headers, extra_query: sent to the API as given, merged last, as on every facade
        call (also on the record's GET when the download needs its file name)."""


class AttachmentFiles(SyncResource):
    """`upload` and `download` of the sync client's `attachments`."""

    def upload(
        self,
        source: Source,
        *,
        to: Target,
        file_name: str | None = None,
        mime_type: str | None = None,
        description: str | None = None,
        extra_headers: Mapping[str, HeaderValue] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> _models.Attachment:
        from ..api.attachments import post_attachments as _op
        from ..models.attachment import Attachment

        body = upload_body(
            source, to=to, file_name=file_name, mime_type=mime_type, description=description
        )
        request = extend(_op.build_request(body=body), extra_headers, extra_query, extra_body)
        return decode(self._send(request), Attachment.from_dict)

    def download(
        self,
        attachment: _models.Attachment | object,
        to: Destination,
        *,
        extra_headers: Mapping[str, HeaderValue] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> int:
        key, size, name = attachment_facts(attachment)
        if needs_name(to) and name is None:
            _, size, name = attachment_facts(self._attachment(key, extra_headers, extra_query))
        with Download(key, to, expected=size, name=name) as download:
            request = extend(download.request(), extra_headers, extra_query)
            return download.complete(self._send(request))

    def _attachment(
        self,
        key: str,
        extra_headers: Mapping[str, HeaderValue] | None,
        extra_query: Mapping[str, Any] | None,
    ) -> _models.Attachment:
        from ..api.attachments import get_attachments_key as _op
        from ..models.attachment import Attachment

        request = extend(_op.build_request(key), extra_headers, extra_query)
        return decode(self._send(request), Attachment.from_dict)

    upload.__doc__ = _UPLOAD_DOC
    download.__doc__ = _DOWNLOAD_DOC


class AsyncAttachmentFiles(AsyncResource):
    """`upload` and `download` of the async client's `attachments`."""

    async def upload(
        self,
        source: Source,
        *,
        to: Target,
        file_name: str | None = None,
        mime_type: str | None = None,
        description: str | None = None,
        extra_headers: Mapping[str, HeaderValue] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> _models.Attachment:
        from ..api.attachments import post_attachments as _op
        from ..models.attachment import Attachment

        body = upload_body(
            source, to=to, file_name=file_name, mime_type=mime_type, description=description
        )
        request = extend(_op.build_request(body=body), extra_headers, extra_query, extra_body)
        return decode(await self._send(request), Attachment.from_dict)

    async def download(
        self,
        attachment: _models.Attachment | object,
        to: Destination,
        *,
        extra_headers: Mapping[str, HeaderValue] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> int:
        key, size, name = attachment_facts(attachment)
        if needs_name(to) and name is None:
            _, size, name = attachment_facts(
                await self._attachment(key, extra_headers, extra_query)
            )
        with Download(key, to, expected=size, name=name) as download:
            request = extend(download.request(), extra_headers, extra_query)
            return download.complete(await self._send(request))

    async def _attachment(
        self,
        key: str,
        extra_headers: Mapping[str, HeaderValue] | None,
        extra_query: Mapping[str, Any] | None,
    ) -> _models.Attachment:
        from ..api.attachments import get_attachments_key as _op
        from ..models.attachment import Attachment

        request = extend(_op.build_request(key), extra_headers, extra_query)
        return decode(await self._send(request), Attachment.from_dict)

    upload.__doc__ = _UPLOAD_DOC
    download.__doc__ = _DOWNLOAD_DOC
