"""Writing price lists: the demo seed (indicative 2024 framework numbers, Kammarkollegiet
"övriga myndigheter") and an on-demand list of our own. Run by `seed_agencies` (and by the visit
generator when no list exists); idempotent. The numbers are reference data: visits/reference_data.py."""

import datetime as dt

from django.db import transaction

from interpreters.models import PriceList, PriceListKind, PriceListRow
from visits.reference_data import DEMO_BROKER_FEE_ORE, DEMO_PRICES_VALID_FROM, FRAMEWORK_2024_KR, ON_DEMAND_2024_KR


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
        valid_from=DEMO_PRICES_VALID_FROM,
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
    _rows(framework, FRAMEWORK_2024_KR)
    on_demand, _created = PriceList.objects.update_or_create(
        kind=PriceListKind.ON_DEMAND,
        valid_from=DEMO_PRICES_VALID_FROM,
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
    _rows(on_demand, ON_DEMAND_2024_KR)
    return [framework, on_demand]
