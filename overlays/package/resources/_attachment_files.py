"""Attachments as files: `upload` and `download` on `sage.attachments`, sync and async.

The generated `AttachmentsResource` / `AsyncAttachmentsResource` inherit these classes
(generator/facade.py `_MIXINS`); the work is done in `_attachment_upload.py` and
`_attachment_download.py`, so the twins differ only in how they send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._attachment_download import Destination, Download, attachment_facts, needs_name
from .._attachment_upload import Source, Target, upload_body
from ._base import AsyncResource, SyncResource, decode

if TYPE_CHECKING:
    from ..models.attachment import Attachment

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
        `AttachmentTooLargeError` naming both sizes, raised before anything is sent."""

_DOWNLOAD_DOC = """Stream the attachment's file into `to`; returns its size in bytes.

        Args:
            attachment: its key, or its record (an Attachment or a dict), whose `file_size`
                the download is checked against.
            to: a file path (written whole or not at all: the body goes to a temporary file
                beside it, renamed into place once its size checks out), a directory (the
                attachment's own file name there), or a binary file object (written only once
                the whole file arrived).

        A body shorter or longer than the record's `file_size` or the answer's Content-Length
        is an `InvalidResponseError`, and nothing is left under the target's name."""


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
    ) -> Attachment:
        from ..api.attachments import post_attachments as _op
        from ..models.attachment import Attachment

        body = upload_body(
            source, to=to, file_name=file_name, mime_type=mime_type, description=description
        )
        return decode(self._send(_op.build_request(body=body)), Attachment.from_dict)

    def download(self, attachment: Attachment | object, to: Destination) -> int:
        key, size, name = attachment_facts(attachment)
        if needs_name(to) and name is None:
            _, size, name = attachment_facts(self._attachment(key))
        with Download(key, to, expected=size, name=name) as download:
            return download.complete(self._send(download.request()))

    def _attachment(self, key: str) -> Attachment:
        from ..api.attachments import get_attachments_key as _op
        from ..models.attachment import Attachment

        return decode(self._send(_op.build_request(key)), Attachment.from_dict)

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
    ) -> Attachment:
        from ..api.attachments import post_attachments as _op
        from ..models.attachment import Attachment

        body = upload_body(
            source, to=to, file_name=file_name, mime_type=mime_type, description=description
        )
        return decode(await self._send(_op.build_request(body=body)), Attachment.from_dict)

    async def download(self, attachment: Attachment | object, to: Destination) -> int:
        key, size, name = attachment_facts(attachment)
        if needs_name(to) and name is None:
            _, size, name = attachment_facts(await self._attachment(key))
        with Download(key, to, expected=size, name=name) as download:
            return download.complete(await self._send(download.request()))

    async def _attachment(self, key: str) -> Attachment:
        from ..api.attachments import get_attachments_key as _op
        from ..models.attachment import Attachment

        return decode(await self._send(_op.build_request(key)), Attachment.from_dict)

    upload.__doc__ = _UPLOAD_DOC
    download.__doc__ = _DOWNLOAD_DOC
