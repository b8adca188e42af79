"""Attachments as files (`sage.attachments.upload` / `download`): Sage's limits and the error
an upload over them raises before anything is sent."""

from __future__ import annotations

from ._attachment_spec import CONTEXT_TYPES, MAX_FILE_SIZE
from ._attachment_upload import AttachmentTooLargeError, guess_mime_type

__all__ = ["CONTEXT_TYPES", "MAX_FILE_SIZE", "AttachmentTooLargeError", "guess_mime_type"]
