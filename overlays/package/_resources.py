"""The resource facade's attachment point: `SageAccounting` and `AsyncSageAccounting` inherit
these mixins, so every resource is an attribute (`client.contacts`) created on first use."""

from __future__ import annotations


class ResourcesMixin:
    """Resources of the sync client."""


class AsyncResourcesMixin:
    """Resources of the async client."""
