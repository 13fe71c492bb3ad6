"""Writing price lists: the demo seed (indicative 2024 framework numbers, Kammarkollegiet
"övriga myndigheter") and an on-demand list of our own. Run by `seed_agencies`; idempotent."""

import datetime as dt

from django.db import transaction

from interpreters.models import PriceLevel, PriceList, PriceListKind, PriceListRow

DEMO_VALID_FROM = dt.date(2024, 1, 1)
DEMO_BROKER_FEE_ORE = 8500

# kr per level: base 0-60 min, each started 30 min up to 330 min (and beyond: the same price),
# surcharges per started 30 min: unsocial weekday hours, weekend, big holiday.
FRAMEWORK_2024: dict[str, tuple[int, int, int, int, int]] = {
    PriceLevel.OVRIG: (333, 144, 87, 144, 174),
    PriceLevel.UTBILDAD: (386, 174, 115, 180, 230),
    PriceLevel.AUKTORISERAD: (454, 201, 136, 210, 272),
    PriceLevel.SPECIALIST: (582, 258, 153, 272, 306),
}
# Remote on demand (our choice for the demo): a minimum covering the first 15 minutes, then each
# started 15 minutes; the framework's surcharges per started 30 minutes.
ON_DEMAND_2024: dict[str, tuple[int, int, int, int, int]] = {
    PriceLevel.OVRIG: (170, 72, 87, 144, 174),
    PriceLevel.UTBILDAD: (195, 87, 115, 180, 230),
    PriceLevel.AUKTORISERAD: (230, 100, 136, 210, 272),
    PriceLevel.SPECIALIST: (290, 129, 153, 272, 306),
}


def _rows(price_list: PriceList, prices: dict[str, tuple[int, int, int, int, int]]) -> None:
    for level, (base, step, unsocial, weekend, big_holiday) in prices.items():
        PriceListRow.objects.update_or_create(
            price_list=price_list,
            level=level,
            defaults={
                "base_ore": base * 100,
                "step_ore": step * 100,
                "over_max_step_ore": step * 100,
                "unsocial_ore": unsocial * 100,
                "weekend_ore": weekend * 100,
                "big_holiday_ore": big_holiday * 100,
            },
        )


@transaction.atomic
def price_lists_seed_demo() -> list[PriceList]:
    framework, _created = PriceList.objects.update_or_create(
        kind=PriceListKind.FRAMEWORK,
        valid_from=DEMO_VALID_FROM,
        defaults={
            "name": "Ramavtal tolkförmedling, övriga myndigheter 2024",
            "valid_to": None,
            "base_minutes": 60,
            "step_minutes": 30,
            "max_minutes": 330,
            "surcharge_step_minutes": 30,
            "unsocial_before": dt.time(7, 0),
            "unsocial_after": dt.time(18, 0),
            "social_charges_basis_points": 3142,
            "admin_charge_basis_points": 70,
            "broker_fee_ore": DEMO_BROKER_FEE_ORE,
            "cancel_full_price_within_working_hours": 48,
            "cancel_broker_fee_otherwise": True,
            "cancel_free_before_connect": False,
        },
    )
    _rows(framework, FRAMEWORK_2024)
    on_demand, _created = PriceList.objects.update_or_create(
        kind=PriceListKind.ON_DEMAND,
        valid_from=DEMO_VALID_FROM,
        defaults={
            "name": "Distanstolkning på begäran 2024",
            "valid_to": None,
            "base_minutes": 15,
            "step_minutes": 15,
            "max_minutes": None,
            "surcharge_step_minutes": 30,
            "unsocial_before": dt.time(7, 0),
            "unsocial_after": dt.time(18, 0),
            "social_charges_basis_points": 3142,
            "admin_charge_basis_points": 70,
            "broker_fee_ore": DEMO_BROKER_FEE_ORE,
            "cancel_full_price_within_working_hours": None,
            "cancel_broker_fee_otherwise": False,
            "cancel_free_before_connect": True,
        },
    )
    _rows(on_demand, ON_DEMAND_2024)
    return [framework, on_demand]
