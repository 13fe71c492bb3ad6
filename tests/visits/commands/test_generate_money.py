"""The generated history's money (issues 9 and 17): requisitions, confirmed costs, cancellation fees
and estimates priced through interpreters/services/pricing.py over the price lists in the database,
so a price change reaches the generated data; reference rows shared with the seed commands."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from interpreters.models import InterpreterAgency, InterpreterBooking, PriceList, PriceListRow, Requisition
from interpreters.services.pricing import booking_cancellation_fee, booking_estimate, booking_price
from visits.models import Office
from visits.reference_data import DEMO_AGENCIES, OFFICES
from visits.reports.selectors import UsageQuery, usage_counters

pytestmark = pytest.mark.django_db

END = date(2025, 3, 31)


def generate(*extra: str, visits: int = 4000) -> str:
    out = io.StringIO()
    call_command(
        "generate_visits", "--years", "1", "--visits-per-year", str(visits), "--seed", "3",
        "--end-date", END.isoformat(), "--verbosity", "0", *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


def current(booking: InterpreterBooking) -> Requisition:
    return booking.requisitions.exclude(status="replaced").get()


def test_every_generated_amount_is_what_the_pricing_module_computes():
    generate()
    completed = InterpreterBooking.objects.filter(status="completed").prefetch_related("requisitions")
    assert completed.count() > 50
    statuses = set()
    for booking in completed:
        requisition = current(booking)
        statuses.add(requisition.status)
        price = booking_price(booking=booking, minutes=requisition.reported_minutes, start=requisition.reported_start)
        assert price is not None
        assert requisition.cost_ore == booking.cost_reported_ore == price.total_ore, booking.pk
        assert requisition.cost_rows == price.rows_as_dicts()
        if requisition.status == "confirmed":
            confirmed = booking_price(booking=booking, minutes=requisition.confirmed_minutes, start=booking.started_at)
            assert confirmed is not None and booking.cost_confirmed_ore == booking.cost_ore == confirmed.total_ore
        else:
            assert booking.cost_confirmed_ore is None and booking.cost_ore == booking.cost_reported_ore
        if requisition.status == "disputed":
            assert requisition.comment and requisition.confirmed_minutes < requisition.reported_minutes
    assert {"confirmed", "disputed", "reported"} <= statuses
    # Some requisitions were corrected by the agency: the old one kept as replaced.
    corrected = Requisition.objects.filter(corrected=True)
    assert corrected.exists() and all(r.replaces.status == "replaced" for r in corrected)

    for booking in InterpreterBooking.objects.all():
        # The estimate stored at the click: the booking as it was then, before an interpreter was delivered.
        booking.interpreter_competence = ""
        estimate = booking_estimate(booking=booking, now=booking.requested_at)
        assert estimate is not None and booking.cost_estimated_ore == estimate.total_ore, booking.pk
        assert booking.estimate_rows == estimate.rows_as_dicts()
    for booking in InterpreterBooking.objects.filter(status="cancelled"):
        fee = booking_cancellation_fee(booking=booking, reason=booking.cancel_reason, now=booking.cancelled_at)
        assert booking.cancellation_fee_ore == fee.total_ore, booking.pk


def test_the_history_has_pre_bookings_fees_and_system_cancels_without_fees():
    generate()
    bookings = InterpreterBooking.objects
    pre_booked = bookings.filter(scheduled_for__isnull=False)
    assert pre_booked.exists() and all(b.minutes_ordered == 60 for b in pre_booked)
    # The ordered hour is a floor for a pre-booked call.
    for booking in pre_booked.filter(status="completed"):
        assert current(booking).billed_minutes == max(60, current(booking).reported_minutes)
    assert bookings.filter(cancellation_fee_ore__gt=0).exists()
    system = bookings.filter(cancel_reason="system_visit_closed")
    assert system.exists() and not system.filter(cancellation_fee_ore__gt=0).exists()
    # Reports: only the office's own cancellations with a fee count as billable; rollups equal raw.
    q = UsageQuery(date_from=date(2024, 4, 1), date_to=END)
    (total,) = usage_counters(q).values()
    assert total["cancellations_billable"] == bookings.filter(cancellation_fee_ore__gt=0).count()
    assert total["cancellation_fees_ore"] == bookings.aggregate(s=Sum("cancellation_fee_ore"))["s"]
    assert total["disputed_minutes"] > 0 and total["cost_confirmed_ore"] > 0
    assert usage_counters(q) == usage_counters(q, source="raw")


def test_a_price_change_reaches_the_generated_data():
    generate("--no-rollups")
    before = InterpreterBooking.objects.aggregate(r=Sum("cost_reported_ore"), e=Sum("cost_estimated_ore"))
    # The on-demand list's lowest level costs 100 kr more at the base.
    row = PriceListRow.objects.get(price_list__kind="on_demand", level="ovrig")
    row.base_ore += 10_000
    row.save()
    generate("--clear", "--no-rollups")
    after = InterpreterBooking.objects.aggregate(r=Sum("cost_reported_ore"), e=Sum("cost_estimated_ore"))
    assert after["r"] > before["r"] and after["e"] > before["e"]
    # The same draws (same seed and period): every on-demand estimate at the lowest level is now
    # priced from the changed row.
    on_demand_ovrig = InterpreterBooking.objects.filter(scheduled_for__isnull=True, competence_required="")
    assert on_demand_ovrig.count() > 20
    assert all(b.estimate_rows[0] == {"kind": "base", "quantity": 1, "unit_price_ore": row.base_ore,
                                      "amount_ore": row.base_ore} for b in on_demand_ovrig)  # fmt: skip


def test_generated_reference_rows_are_the_seed_commands_rows():
    generate("--no-rollups", visits=300)
    assert set(Office.objects.values_list("name", flat=True)) == {name for name, _m, _c in OFFICES}
    assert set(InterpreterAgency.objects.values_list("slug", flat=True)) == {a.slug for a in DEMO_AGENCIES}
    assert PriceList.objects.count() == 2
    agencies, offices = InterpreterAgency.objects.count(), Office.objects.count()
    call_command("seed_agencies", stdout=io.StringIO())
    call_command("seed_demo", "--no-visits", stdout=io.StringIO())
    assert (InterpreterAgency.objects.count(), Office.objects.count(), PriceList.objects.count()) == (
        agencies,
        offices,
        2,
    )
