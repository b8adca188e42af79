"""Convert a Swagger 2.0 document (parsed JSON) into an OpenAPI 3.0.3 document.

Pure function, no I/O: `convert(swagger)` returns a new dict and leaves its input untouched.
Keys that Swagger allows but OpenAPI 3.0 does not are kept under an `x-` name rather than lost.

One module per part of the document: `document` (info, servers, paths and operations),
`components`, `parameters`, `bodies` (request bodies), `responses`, `schemas`, and `common`
(the error, JSON helpers and the source document they all read).
"""

from .common import ConversionError
from .document import convert

__all__ = ["ConversionError", "convert"]
