"""`sage.business_profile()`: a business's country and edition, as far as Sage's answer tells."""

from __future__ import annotations

import asyncio

import pytest

from sage_accounting import BusinessProfile
from sage_accounting.testing import SageEmulator
from tests.availability.conftest import reshape_business, subscription
from tests.clients import make_async_client, make_client


def test_country_and_edition_from_the_business_and_its_subscription(fake: SageEmulator) -> None:
    business = fake.add_business("Brighton Bakes Ltd", country="GB", edition="start")
    with make_client(fake, business_id=business) as sage:
        profile = sage.business_profile()
    assert profile == BusinessProfile(
        id=business,
        name="Brighton Bakes Ltd",
        country="GB",
        edition="start",
        edition_from="subscriptions",
        subscribed=True,
        subscriptions=("Accounting Start",),  # the subscription's displayed_as, as Sage names it
    )
    assert profile.offered("stock_movements") is False
    assert profile.offered("contacts") is True
    assert profile.offered("businesses") is None


@pytest.mark.parametrize("country", ["GB", "IE", "CA", "US"])
def test_every_edition_reads_back_from_the_emulators_businesses(
    fake: SageEmulator, country: str
) -> None:
    added = {
        edition: fake.add_business(f"{edition.title()} Co", country=country, edition=edition)
        for edition in ("plus", "standard", "start")
    }
    with make_client(fake) as lead:
        profiles = {
            edition: lead.with_business(business).business_profile()
            for edition, business in added.items()
        }
    for edition, profile in profiles.items():
        assert (profile.country, profile.edition, profile.edition_from) == (
            country,
            edition,
            "subscriptions",
        )


def test_the_async_client_and_the_lead_business() -> None:
    fake = SageEmulator(seed=5, country="IE", edition="plus")

    async def run() -> BusinessProfile:
        async with make_async_client(fake) as sage:  # no business_id: the lead business
            return await sage.business_profile()

    profile = asyncio.run(run())
    assert (profile.id, profile.country, profile.edition) == (fake.lead_business_id, "IE", "plus")
    assert profile.subscriptions == ("Accounting Plus",)
    assert fake.stats.requests[-1].path.endswith("/businesses/lead")


def test_subscriptions_that_do_not_name_one_edition_leave_it_unknown() -> None:
    cases = [
        [subscription("Sage Business Cloud Accounting")],
        [subscription("Accounting Plus"), subscription("Accounting Start")],
        [subscription("Accounting Plus", active=False)],
        [],
    ]
    fake = SageEmulator(seed=5, country="CA")
    with make_client(fake) as sage:
        for subscriptions in cases:
            reshape_business(fake, fake.lead_business_id, subscriptions=subscriptions)
            profile = sage.business_profile()
            assert (profile.country, profile.edition, profile.edition_from) == ("CA", None, None)
        assert profile.subscribed is None
        reshape_business(fake, fake.lead_business_id, subscriptions=cases[2])
        assert sage.business_profile().subscribed is False


def test_the_caller_says_the_edition_the_subscriptions_do_not(fake: SageEmulator) -> None:
    reshape_business(fake, fake.lead_business_id, subscriptions=[subscription("Sage Accounting")])
    with make_client(fake) as sage:
        profile = sage.business_profile(edition="standard")
        assert (profile.edition, profile.edition_from) == ("standard", "given")
        with pytest.raises(ValueError, match="edition 'Standard' is not one of plus, standard"):
            sage.business_profile(edition="Standard")


def test_without_an_edition_a_profile_answers_what_every_edition_agrees_on(
    fake: SageEmulator,
) -> None:
    reshape_business(fake, fake.lead_business_id, subscriptions=[])
    with make_client(fake) as sage:
        profile = sage.business_profile()
    assert profile.offered("datev_settings") is False  # Germany only, in every edition
    assert profile.offered("journal_codes") is False  # France only
    assert profile.offered("contacts") is True
    assert profile.offered("stock_movements") is None  # Plus has them, Start has not
    with pytest.raises(ValueError, match="'stock_movement' is not a collection"):
        profile.offered("stock_movement")


def test_a_business_without_a_country_is_unknown_everywhere(fake: SageEmulator) -> None:
    reshape_business(
        fake, fake.lead_business_id, country=None, subscriptions=[subscription("Accounting Plus")]
    )
    with make_client(fake) as sage:
        profile = sage.business_profile()
    assert (profile.country, profile.edition) == (None, "plus")
    assert profile.offered("stock_movements") is None
