"""The fleet's server-side scripts, and the words `RedisLimits` sends them.

Each script is a `.lua` file in `lua/` beside this module (read with `importlib.resources`, so
they ship in the wheel), run after the functions of `lua/common.lua`. The comment lines at the
top of a file (the generated-file stamp and what the script takes and answers) are not sent:
a script's text, hence the SHA1 Redis knows it by, is what follows them.

`Words` builds the keys and arguments of every call for one namespace and its settings: the
constant part once (per budget scope for the keys), only the ticket or slot per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

from ..limits._budget import CONCURRENCY
from ._connection import Lua, head, pack, word


def _text(name: str) -> str:
    """The script in `lua/<name>` without its leading comment lines."""
    source = resources.files(__package__ or __name__) / "lua" / name
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith("--"):
        start += 1
    return "".join(lines[start:])


def _script(name: str) -> Lua:
    return Lua(_text("common.lua") + _text(name))


ACQUIRE = _script("acquire.lua")
RELEASE = _script("release.lua")
TAKE_OVER = _script("take_over.lua")  # takes the acquire script's keys
RENEW = _script("renew.lua")
PAUSE = _script("pause.lua")
ACQUIRE_KEYS = 10
RELEASE_KEYS = 6

GRANTED = (b"granted", "granted")  # as read, whether or not the URL asks to decode answers
ASK_AGAIN = ((0, 0), None)  # an acquire answer that only asks the client to try again


class Words:
    """The keys and arguments of the scripts for one namespace and its settings, encoded once.

    A budget scope is `connection:<name>` (`budget_scope="connection"`) or `business:<id>`.
    """

    def __init__(
        self,
        namespace: str,
        *,
        connection_name: str,
        by_business: bool,
        concurrency: int | None,
        app_per_day: int | None,
        per_minute: int | None,
        per_day: int | None,
        lease: float,
        poll: float,
    ) -> None:
        self.prefix = f"{namespace}:"
        self.connection_name = connection_name
        self.by_business = by_business
        self.poll = poll
        self.base_keys = [
            self.prefix + name
            for name in (
                "slots",
                "queue",
                "queue:lease",
                "queue:blocked",
                "queue:seq",
                "pause",
                "queue:info",
            )
        ]
        base = self.base_keys
        self.release_keys = [key.encode() for key in (base[0], base[1], base[2], base[3],
                                                      base[5], base[6])]  # fmt: skip
        self.concurrency_arg = str(concurrency or 0).encode()
        release = [b"EVALSHA", RELEASE.sha.encode(), b"%d" % RELEASE_KEYS, *self.release_keys]
        self.release_head = head(release, following=4)  # prefix, slot, abandoned, concurrency
        self.acquire_args = [
            str(value).encode()
            for value in (
                self.prefix,
                concurrency or 0,
                max(1, int(lease * 1000)),  # a slot's lease
                max(3000, int(poll * 12_000)),  # a waiter's place in the queue, renewed each poll
                app_per_day or 0,
                per_minute or 0,
                per_day or 0,
                max(1, int(poll * 1000)),
            )
        ]
        self._scope_keys: dict[str, list[bytes]] = {}
        self._packed_heads: dict[str, bytes] = {}  # the acquire command up to the ticket
        self._take_over_heads: dict[str, bytes] = {}  # the take-over command up to the slot
        self._poll_arg = repr(float(poll)).encode()

    def scope(self, business: str | None) -> str:
        if self.by_business:
            return f"business:{business or '-'}"
        return f"connection:{self.connection_name}"

    def keys(self, scope: str) -> list[bytes]:
        """The acquire script's keys for requests counted under `scope`, encoded once."""
        keys = self._scope_keys.get(scope)
        if keys is None:
            names = [
                *self.base_keys[:6],
                self.prefix + "budget:app:day",
                f"{self.prefix}budget:{scope}:minute",
                f"{self.prefix}budget:{scope}:day",
                self.base_keys[6],
            ]
            if len(self._scope_keys) >= 1024:  # many businesses: keep the caches bounded
                self._scope_keys.clear()
                self._packed_heads.clear()
                self._take_over_heads.clear()
            keys = self._scope_keys[scope] = [name.encode() for name in names]
        return keys

    def box(self, ticket: str) -> bytes:
        """The list a waiter blocks on until a release hands it a slot."""
        return f"{self.prefix}wake:{ticket}".encode()

    def acquire(self, business: str | None, ticket: str) -> list[bytes]:
        """The acquire script's keys and arguments (no BLPOP follows it)."""
        return [*self.keys(self.scope(business)), *self.acquire_args, ticket.encode(), b"0"]

    def acquire_packed(self, business: str | None, ticket: str) -> bytes:
        """The acquire script and the BLPOP behind it, packed: the constant head once per scope
        (see `keys`), the ticket and the box per call."""
        scope = self.scope(business)
        start = self._packed_heads.get(scope)
        if start is None:
            words = [b"EVALSHA", ACQUIRE.sha.encode(), b"%d" % ACQUIRE_KEYS]
            words += [*self.keys(scope), *self.acquire_args]
            start = self._packed_heads[scope] = head(words, following=2)  # ticket, followed
        followed = word(ticket.encode()) + word(b"1")
        return start + followed + pack(b"BLPOP", self.box(ticket), self._poll_arg)

    def take_over(self, business: str | None, slot: str) -> list[bytes]:
        """The take-over script's keys and arguments."""
        return [*self.keys(self.scope(business)), *self.acquire_args, slot.encode()]

    def take_over_packed(self, business: str | None, slot: str) -> tuple[bytes, list[bytes]]:
        """The take-over script packed (its constant head once per scope), and its words."""
        scope = self.scope(business)
        words = self.take_over(business, slot)
        start = self._take_over_heads.get(scope)
        if start is None:
            command = [b"EVALSHA", TAKE_OVER.sha.encode(), b"%d" % ACQUIRE_KEYS, *words[:-1]]
            start = self._take_over_heads[scope] = head(command, following=1)  # the slot
        return start + word(words[-1]), words

    def release(self, slot: str, abandoned: str) -> list[bytes]:
        return [*self.release_keys, self.prefix.encode(), slot.encode(), abandoned.encode(),
                self.concurrency_arg]  # fmt: skip

    def release_packed(self, slot: str) -> tuple[bytes, list[bytes]]:
        """The release script packed for freeing `slot`, and its words."""
        words = self.release(slot, "")
        return self.release_head + b"".join(map(word, words[RELEASE_KEYS:])), words

    def wait_seconds(self, wait_ms: int) -> float:
        """How long to block before asking again, for a wait the acquire script answered."""
        if wait_ms < 0:
            return self.poll
        return max(0.001, min(self.poll, wait_ms / 1000))

    def answer(self, answer: Sequence[Any]) -> tuple[bool, float, str | None]:
        """Read the acquire script's answer and the BLPOP sent behind it: (granted, seconds to
        sleep before asking again, what the request waited for: None when it did not)."""
        if answer is ASK_AGAIN:  # the scripts had to be loaded again: no wait
            return False, 0.0, None
        (granted, wait_ms, *held), popped = answer
        cause = cause_of(held)
        if popped is not None and popped[1] in GRANTED:
            return True, 0.0, None if granted else cause  # at once, or handed a slot
        if popped is not None:  # 'retry': a wait shorter than a poll, slept here
            return False, self.wait_seconds(int(wait_ms)), cause
        return False, 0.0, cause  # the BLPOP waited a whole poll: ask again at once


def cause_of(held: Sequence[Any]) -> str:
    """What the acquire script said a waiter waits for (bytes or str, as the client decodes)."""
    if not held:
        return CONCURRENCY
    cause = held[0]
    return cause.decode() if isinstance(cause, bytes) else str(cause)
