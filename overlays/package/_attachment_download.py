"""A download's target: `GET /attachments/{key}/file` streamed into a temporary file beside the
target, its size checked, then renamed into place (or copied into a file object).

The body goes from the socket to the temporary file chunk by chunk (the transport's
`BODY_SINK`), so the file is never whole in memory. Its size is checked against the
attachment's `file_size` where the caller's record says it and against the answer's
Content-Length; a body short or long of either is an `InvalidResponseError`, and nothing is
left under the target's name (nor written into a file object).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import httpx

from ._response_body import BODY_SINK
from .errors import InvalidResponseError

#: Where a download goes: a file path (or a directory: the attachment's own name there) or a
#: binary file object.
Destination = str | os.PathLike[str] | IO[bytes]


def attachment_facts(attachment: object) -> tuple[str, int | None, str | None]:
    """The key, `file_size` and `file_name` of `attachment`: a key, an `Attachment` or a
    record dict (the size and name only where it carries them)."""
    if isinstance(attachment, str):
        if not attachment:
            raise ValueError("the attachment's key is empty")
        return attachment, None, None
    if isinstance(attachment, Mapping):
        key, size, name = (
            attachment.get("id"),
            attachment.get("file_size"),
            attachment.get("file_name"),
        )
    else:
        key = getattr(attachment, "id", None)
        size = getattr(attachment, "file_size", None)
        name = getattr(attachment, "file_name", None)
    if not isinstance(key, str) or not key:
        raise TypeError(
            f"download() takes an attachment's key or its record, not {type(attachment).__name__}"
        )
    return (
        key,
        size if isinstance(size, int) and not isinstance(size, bool) else None,
        name if isinstance(name, str) and name else None,
    )


def needs_name(to: Destination) -> bool:
    """Whether `to` is a directory, so that the file goes there under its own name."""
    return isinstance(to, (str, os.PathLike)) and Path(to).is_dir()


class Download:
    """One download into `to`: `request()` to send, then `complete(response)`; `close()`
    (always) removes what a failed one wrote. `size` is what was written."""

    def __init__(self, key: str, to: Destination, *, expected: int | None, name: str | None):
        self.key = key
        self.expected = expected
        self.size = 0
        self.target: Path | None = None
        self.out: IO[bytes] | None = None
        if isinstance(to, (str, os.PathLike)):
            path = Path(to)
            if path.is_dir():
                if name is None:
                    raise ValueError(f"{path} is a directory and the attachment's name is unknown")
                path = path / _safe_name(name, key)
            self.target = path
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                                 dir=path.parent)  # fmt: skip
            self.temporary: Path | None = Path(temporary)
            self.file: IO[bytes] = os.fdopen(handle, "w+b")
        elif callable(getattr(to, "write", None)):
            self.out = to
            self.temporary = None
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        else:
            raise TypeError(f"to= takes a path or a binary file object, not {type(to).__name__}")

    def request(self) -> dict[str, Any]:
        """The keyword arguments of the file's GET, with this download as the body's sink."""
        from .api.attachments import get_attachments_key_file as _op

        request = _op.build_request(self.key, accept="application/octet-stream")
        return {**request, "extensions": {BODY_SINK: self}}

    # The body sink (`_response_body.BodySink`): every attempt starts the file anew.
    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.size += len(chunk)

    def complete(self, response: httpx.Response) -> int:
        """Check the size, then put the file in place; returns its size in bytes."""
        self._check(response)
        if self.out is not None:
            self.file.seek(0)
            shutil.copyfileobj(self.file, self.out)
        else:
            assert self.target is not None and self.temporary is not None
            self.file.close()
            os.replace(self.temporary, self.target)
            self.temporary = None
        return self.size

    def _check(self, response: httpx.Response) -> None:
        said = []
        length = response.headers.get("content-length", "")
        if length.isdigit() and response.headers.get("content-encoding", "identity") == "identity":
            said.append((int(length), "its Content-Length"))
        if self.expected is not None:
            said.append((self.expected, "the attachment's file_size"))
        for size, source in said:
            if size != self.size:
                request = response.request
                raise InvalidResponseError.at(
                    request.method,
                    request.url,
                    f"the file arrived with {self.size} bytes, but {source} says {size}; "
                    "nothing was kept",
                    status_code=response.status_code,
                )

    def close(self) -> None:
        self.file.close()
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None

    def __enter__(self) -> Download:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _safe_name(name: str, key: str) -> str:
    """The attachment's name without any directory part (a name is the sender's to choose)."""
    base = Path(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else key
