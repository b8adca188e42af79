"""A call the availability table says the business lacks: still sent, its error says so; and
the refused-business 401 met on one collection, read both ways Sage may mean it."""

from __future__ import annotations

import asyncio

import pytest

from sage_accounting.errors import NotFoundError, PermissionDeniedError, SubscriptionError
from sage_accounting.testing import SageEmulator
from tests.availability.conftest import reshape_business, subscription
from tests.clients import make_async_client, make_client

NOTE = (
    "the spec's Endpoint Availability does not offer stock_movements.list "
    "(GET /stock_movements) to Accounting Start in GB"
)
MSE = "No active subscription. (MSE)"


@pytest.fixture()
def start_gb(fake: SageEmulator) -> str:
    return fake.add_business("Start Ltd", country="GB", edition="start")


def api_requests(fake: SageEmulator) -> int:
    return len(fake.stats.requests) - fake.stats.token_calls


@pytest.mark.parametrize(("status", "error"), [(404, NotFoundError), (403, PermissionDeniedError)])
def test_a_known_business_calling_what_its_edition_lacks_gets_the_note(
    fake: SageEmulator, start_gb: str, status: int, error: type[Exception]
) -> None:
    fake.withhold("stock_movements", status=status, business_id=start_gb)
    with make_client(fake, business_id=start_gb) as sage:
        with pytest.raises(error) as before:
            list(sage.stock_movements.list())
        assert getattr(before.value, "availability_note", "") is None  # not known yet
        sage.business_profile()
        sent = api_requests(fake)
        with pytest.raises(error) as caught:
            list(sage.stock_movements.list())
    assert api_requests(fake) == sent + 1  # sent all the same: the table may be stale
    assert getattr(caught.value, "availability_note", None) == NOTE
    assert str(caught.value).startswith(f"{status} GET /")
    assert f"({NOTE})" in str(caught.value)


def test_the_note_reaches_raw_requests_generated_operations_and_other_clients(
    fake: SageEmulator, start_gb: str
) -> None:
    from sage_accounting.api.stock_movements import get_stock_movements_key

    fake.withhold("stock_movements", status=404, business_id=start_gb)
    with make_client(fake, business_id=fake.lead_business_id) as lead:
        sage = lead.with_business(start_gb)
        sage.business_profile()
        with pytest.raises(NotFoundError) as raw:
            lead.with_business(start_gb).request("GET", "/stock_movements/0a1b2c")
        with pytest.raises(NotFoundError) as generated:
            get_stock_movements_key.sync(key="0a1b2c", client=sage.api_client)
        with pytest.raises(NotFoundError) as lead_call:
            lead.request("GET", "/stock_movements/0a1b2c")  # the lead business is not known
    note = "does not offer stock_movements.get (GET /stock_movements/{key}) to Accounting Start"
    assert note in str(raw.value.availability_note)
    assert note in str(generated.value.availability_note)
    assert lead_call.value.availability_note is None


def test_no_note_where_the_table_offers_the_call_or_says_nothing(
    fake: SageEmulator, start_gb: str
) -> None:
    with make_client(fake, business_id=start_gb) as sage:
        sage.business_profile()
        with pytest.raises(NotFoundError) as missing:
            sage.contacts.get("0" * 32)  # contacts are offered: a missing record, nothing more
        with pytest.raises(NotFoundError) as unknown:
            sage.request("GET", "/businesses/" + "0" * 32)  # the spec says nothing of it
    assert missing.value.availability_note is None and "Endpoint" not in str(missing.value)
    assert unknown.value.availability_note is None


def test_a_known_country_without_an_edition_notes_what_no_edition_offers(
    fake: SageEmulator,
) -> None:
    reshape_business(fake, fake.lead_business_id, subscriptions=[subscription("Sage Accounting")])
    with make_client(fake) as sage:
        sage.business_profile()
        with pytest.raises(NotFoundError) as caught:
            sage.datev_settings.get()
    assert caught.value.availability_note == (
        "the spec's Endpoint Availability does not offer datev_settings.get "
        "(GET /datev_settings) in GB (any edition)"
    )


# --- the 401 "No active subscription" on one collection ---------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_edition_refusal_of_one_collection_leaves_the_others_working(
    fake: SageEmulator, start_gb: str, kind: str
) -> None:
    """Reading one: the business answers the refused-business 401 for one collection only
    (a C# client calls it "incompatible edition"; the emulator's default for an edition gap):
    that collection fails with the availability note, the others answer."""
    fake.seed("contacts", 3, start_gb)
    errors: list[SubscriptionError] = []
    contacts: list[int] = []

    async def run_async() -> None:
        async with make_async_client(fake, business_id=start_gb) as sage:
            await sage.business_profile()
            for _ in range(3):
                with pytest.raises(SubscriptionError) as caught:
                    await sage.stock_movements.list().first_page()
                errors.append(caught.value)
                contacts.append(len([c async for c in sage.contacts.list()]))

    if kind == "async":
        asyncio.run(run_async())
    else:
        with make_client(fake, business_id=start_gb) as sage:
            sage.business_profile()
            for _ in range(3):
                with pytest.raises(SubscriptionError) as caught:
                    list(sage.stock_movements.list())
                errors.append(caught.value)
                contacts.append(len(list(sage.contacts.list())))
    assert contacts == [3, 3, 3]  # the business's other collections go on
    first, later = errors[0], errors[-1]
    assert MSE in str(first) and NOTE in str(first) and first.availability_note == NOTE
    assert later.remembered and later.availability_note == NOTE
    # profile, the 401, one refresh, the 401 again, then contacts only: one rotation in all
    assert fake.stats.token_calls == 1
    assert api_requests(fake) == 1 + 2 + 3


def test_an_emulator_whose_lead_business_is_on_start_answers_as_sage_would() -> None:
    """`SageEmulator(edition="start")`: its lead business is refused the Plus-only collection
    and keeps the rest, and the refusal names the edition once the client knows it."""
    fake = SageEmulator(seed=5, country="GB", edition="start")
    fake.seed("contacts", 2)
    with make_client(fake) as sage:
        assert sage.business_profile().edition == "start"
        with pytest.raises(SubscriptionError) as caught:
            list(sage.stock_movements.list())
        assert len(list(sage.contacts.list())) == 2
        assert (sage.ledger_accounts.list().total or 0) > 0  # the chart Sage gives a business
    assert caught.value.availability_note == NOTE and MSE in str(caught.value)


def test_a_refused_business_refuses_every_collection_with_one_refresh_in_all(
    fake: SageEmulator, start_gb: str
) -> None:
    """Reading two: the business's subscription ended; every collection answers the 401.
    Each collection learns it from one call, none costs another refresh."""
    fake.end_subscription(start_gb)
    with make_client(fake, business_id=start_gb) as sage:
        for name in ("stock_movements", "contacts", "ledger_accounts", "contacts"):
            with pytest.raises(SubscriptionError) as caught:
                list(getattr(sage, name).list())
            assert MSE in str(caught.value)
    assert fake.stats.token_calls == 1
    # stock_movements twice (before and after the refresh), contacts and ledger_accounts once
    # each, the second contacts call not at all (remembered)
    assert api_requests(fake) == 4
    assert caught.value.remembered
