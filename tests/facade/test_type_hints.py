"""`typing.get_type_hints` reads every public annotation of the clients, the resources and
the errors, although their modules (and the models they name) load only when first used."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from functools import cached_property
from typing import Any

import pytest

from sage_accounting import AsyncSageAccounting, SageAccounting, Token, errors, models
from sage_accounting.resources._mixins import AsyncResourcesMixin, ResourcesMixin


def _public_functions(cls: type) -> list[tuple[str, Any]]:
    found = []
    for name, member in vars(cls).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, cached_property):
            member = member.func
        elif isinstance(member, property):
            member = member.fget
        member = getattr(member, "__func__", member)
        if inspect.isfunction(member):
            found.append((f"{cls.__name__}.{name}", member))
    return found


def _resources(client: Any, mixin: type) -> list[type]:
    names = [
        name
        for name, value in vars(mixin).items()
        if isinstance(value, cached_property) and name != "with_raw_response"
    ]
    raw = client.with_raw_response
    return [type(getattr(owner, name)) for name in names for owner in (client, raw)]


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_public_annotation_resolves(flavour: str) -> None:
    if flavour == "sync":
        client: Any = SageAccounting(token=Token("token"), business_id="b1")
        classes = [SageAccounting, *_resources(client, ResourcesMixin)]
    else:
        client = AsyncSageAccounting(token=Token("token"), business_id="b1")
        classes = [AsyncSageAccounting, *_resources(client, AsyncResourcesMixin)]
    classes += [
        cls
        for cls in vars(errors).values()
        if inspect.isclass(cls) and cls.__module__ == errors.__name__
    ]
    unresolved = []
    for cls in classes:
        for where, function in _public_functions(cls):
            try:
                typing.get_type_hints(function)
            except Exception as exc:  # every failure is listed, not only the first
                unresolved.append(f"{where}: {exc!r}")
    assert unresolved == []
    assert len(classes) > 150  # every resource, its raw-response twin, the errors


def test_a_resource_method_answers_the_model_classes_themselves() -> None:
    contacts = vars(ResourcesMixin)["contacts"].func  # the cached_property's function
    resource = typing.get_type_hints(contacts)["return"]
    listing = typing.get_type_hints(resource.list)["return"]
    assert typing.get_args(listing) == (models.Contact, models.ContactList)
    assert typing.get_type_hints(resource.get)["return"] is models.Contact


def test_a_client_made_loads_no_model_and_no_resource_class() -> None:
    code = (
        "import sys\n"
        "from sage_accounting import SageAccounting, Token\n"
        "SageAccounting(token=Token('t'), business_id='b')\n"
        "print([m for m in sys.modules if m.startswith("
        "('sage_accounting.models.', 'sage_accounting.resources._sync', "
        "'sage_accounting.resources._async'))])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
