from django.core.management import call_command

from interpreters.models import AgencyRanking, Interpreter, InterpreterAgency, PriceList, PriceListRow
from interpreters.selectors import agencies_for
from visits.models import County


def counts():
    return (
        InterpreterAgency.objects.count(),
        AgencyRanking.objects.count(),
        PriceList.objects.count(),
        PriceListRow.objects.count(),
        Interpreter.objects.count(),
    )


def test_seed_agencies_is_idempotent_and_ranks_every_county(db):
    call_command("seed_agencies")
    first = counts()
    call_command("seed_agencies")
    assert counts() == first
    agencies, rankings, lists, rows, interpreters = first
    assert 3 <= agencies <= 4 and interpreters >= 5 and (lists, rows) == (2, 8)
    assert rankings == agencies * len(County.values)
    for county in County.values:
        assert AgencyRanking.objects.filter(county=county).count() == agencies
    # Every county has a phone chain for Arabic, led by a different agency in different counties.
    leaders = {agencies_for(language="ar", modality="phone", county=c)[0].slug for c in County.values}
    assert len(leaders) > 1
    framework = PriceList.objects.get(kind="framework")
    assert (framework.valid_from.isoformat(), framework.valid_to, framework.broker_fee_ore) == (
        "2024-01-01",
        None,
        8500,
    )
    specialist = framework.rows.get(level="specialist")
    assert (specialist.base_ore, specialist.step_ore, specialist.over_max_step_ore) == (58200, 25800, 25800)
    assert (specialist.unsocial_ore, specialist.weekend_ore, specialist.big_holiday_ore) == (15300, 27200, 30600)
