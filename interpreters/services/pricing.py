"""What an interpreted call costs, from RateCard data (prices and surcharge windows are rows, not code)."""

import math
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone

from interpreters.models import InterpreterAgency, RateCard


def rate_card_for(*, agency: InterpreterAgency | None, modality: str, urgent: bool, on: date) -> RateCard | None:
    """The agency's own card if it has one valid on the day, else the framework default. An urgent
    booking with no urgent card is billed at the ordinary rate."""
    cards = RateCard.objects.filter(modality=modality, valid_from__lte=on)
    for is_urgent in [True, False] if urgent else [False]:
        for scope in (Q(agency=agency) if agency else None, Q(agency__isnull=True)):
            if scope is None:
                continue
            card = cards.filter(scope, urgent=is_urgent).order_by("-valid_from").first()
            if card is not None:
                return card
    return None


def _parse_hhmm(value: str) -> time | None:
    """ "24:00" means end of day (None); the caller treats None as midnight after."""
    hours, minutes = (int(part) for part in value.split(":"))
    return None if hours == 24 else time(hours, minutes)


def surcharge_percent(*, rate_card: RateCard, start: datetime) -> int:
    """The surcharge for a call starting at `start` (Stockholm time): first matching window wins."""
    local = timezone.localtime(start)
    clock = local.time().replace(second=0, microsecond=0)
    for window in rate_card.surcharge_windows or []:
        if local.weekday() not in window.get("weekdays", []):
            continue
        begin = _parse_hhmm(window["start"]) or time(0, 0)
        end = _parse_hhmm(window["end"])
        if end is None:
            inside = clock >= begin
        elif end <= begin:  # runs past midnight
            inside = clock >= begin or clock < end
        else:
            inside = begin <= clock < end
        if inside:
            kind = window.get("kind", "unsocial")
            return rate_card.night_surcharge_percent if kind == "night" else rate_card.unsocial_surcharge_percent
    return 0


def booking_price_ore(*, rate_card: RateCard, minutes: int, start: datetime | None = None) -> int:
    """Minimum fee for the first `minimum_minutes`, then each started `step_minutes` at the hourly
    rate, plus the time-of-day surcharge. Rounded to whole öre once, at the end."""
    minutes = max(0, int(minutes))
    extra_minutes = max(0, minutes - rate_card.minimum_minutes)
    steps = math.ceil(extra_minutes / rate_card.step_minutes)
    # Exact in öre·60 to avoid rounding each step: 65 500 öre/h × 15 min = 982 500 / 60 = 16 375 öre.
    total_x60 = rate_card.minimum_fee_ore * 60 + steps * rate_card.step_minutes * rate_card.hourly_rate_ore
    percent = surcharge_percent(rate_card=rate_card, start=start) if start else 0
    return int((total_x60 * (100 + percent) + 3000) // 6000)
