from django.core.management import call_command

from interpreters.models import AgencyRanking, Interpreter, InterpreterAgency, RateCard
from interpreters.selectors import agencies_for
from visits.models import County


def counts():
    return (
        InterpreterAgency.objects.count(),
        AgencyRanking.objects.count(),
        RateCard.objects.count(),
        Interpreter.objects.count(),
    )


def test_seed_agencies_is_idempotent_and_ranks_every_county(db):
    call_command("seed_agencies")
    first = counts()
    call_command("seed_agencies")
    assert counts() == first
    agencies, rankings, cards, interpreters = first
    assert 3 <= agencies <= 4 and interpreters >= 5 and cards == 4
    assert rankings == agencies * len(County.values)
    for county in County.values:
        assert AgencyRanking.objects.filter(county=county).count() == agencies
    # Every county has a phone chain for Arabic, led by a different agency in different counties.
    leaders = {agencies_for(language="ar", modality="phone", county=c)[0].slug for c in County.values}
    assert len(leaders) > 1
    urgent_phone = RateCard.objects.get(agency=None, modality="phone", urgent=True)
    assert (urgent_phone.hourly_rate_ore, urgent_phone.minimum_fee_ore) == (98000, 24500)
