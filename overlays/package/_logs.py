"""The library's loggers, the `SAGE_ACCOUNTING_LOG` switch, and URLs as logs may show them.

Every logger is a child of `sage_accounting`, so one handler there sees them all:

- `sage_accounting.http`: DEBUG each attempt sent and answered (method, URL, status or
  error, seconds, attempt, business) and each retry with its reason and wait; INFO a call
  that limits or pauses held over a second.
- `sage_accounting.auth`: DEBUG each token refresh; WARNING/ERROR a token not saved.
- `sage_accounting.fleet`: Redis handovers and outages.
- `sage_accounting`: pagination and `sage-accounting sync`.

WARNING and ERROR say what went wrong in any of them (an unsaved token, a list that kept
changing). No line holds a token, the client secret or an Authorization header; a URL's query
keeps its names but hides the value of any parameter that may carry a secret.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

import httpx

ROOT = "sage_accounting"
HTTP = "sage_accounting.http"
AUTH = "sage_accounting.auth"
#: The environment variable read when a client is made: `info` or `debug` (also `warning`,
#: `error`) puts a stderr handler on the `sage_accounting` logger at that level.
ENV_VARIABLE = "SAGE_ACCOUNTING_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_LEVELS["error"] = logging.ERROR
#: Query parameters whose values a log line never shows (OAuth's, and anything like a secret).
SECRET_PARAMETERS = frozenset(
    {"access_token", "refresh_token", "id_token", "token", "code", "client_secret", "password"}
)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `SAGE_ACCOUNTING_LOG` adds (one, however many clients are made)."""


def configure_from_environment() -> None:
    """Read `SAGE_ACCOUNTING_LOG` once, as a client is made: unset or empty changes nothing;
    a level name puts one stderr handler on the `sage_accounting` logger at that level. An
    unknown value is a warning naming the variable and the values it takes."""
    value = os.environ.get(ENV_VARIABLE, "").strip().lower()
    if not value:
        return
    level = _LEVELS.get(value)
    if level is None:
        warnings.warn(
            f"{ENV_VARIABLE}={value!r} is not a level: use one of {', '.join(_LEVELS)}",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    logger = logging.getLogger(ROOT)
    logger.setLevel(level)
    handler = next((h for h in logger.handlers if isinstance(h, _EnvHandler)), None)
    if handler is None:
        handler = _EnvHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
    handler.setLevel(level)


def shown_url(url: httpx.URL) -> str:
    """`url` for a log line: no userinfo, and `***` for the value of a secret parameter."""
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    if not url.query:
        return str(url)
    params = [
        (name, "***" if name.lower() in SECRET_PARAMETERS else value)
        for name, value in url.params.multi_items()
    ]
    return str(url.copy_with(params=params))
