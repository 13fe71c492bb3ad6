import factory
from django.utils import timezone

from interpreters.models import (
    AgencyBackend,
    AgencyRanking,
    BookingStatus,
    CompetenceLevel,
    Interpreter,
    InterpreterAgency,
    InterpreterBooking,
    Modality,
)
from tests.factories import VisitFactory


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterpreterAgency

    name = factory.Sequence(lambda n: f"Tolkbyrå {n}")
    slug = factory.Sequence(lambda n: f"tolkbyra-{n}")
    backend = AgencyBackend.SIMULATED
    backend_settings = factory.LazyFunction(
        lambda: {"book_latency_seconds": 0, "failure_rate": 0, "confirm_after_seconds": 0}
    )
    priority = factory.Sequence(lambda n: n + 1)
    modalities = factory.LazyFunction(lambda: [Modality.PHONE, Modality.VIDEO])
    languages = factory.LazyFunction(lambda: ["ar", "so", "ti", "prs", "fa", "uk"])


class RankingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyRanking

    agency = factory.SubFactory(AgencyFactory)
    county = "C"
    rank = 1


class InterpreterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interpreter

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Tolk {n}")
    languages = factory.LazyFunction(lambda: [{"language": "ar", "dialects": []}])
    modalities = factory.LazyFunction(lambda: [Modality.PHONE, Modality.VIDEO])
    competence = CompetenceLevel.AUKTORISERAD


def seed_price_lists():
    """The demo's 2024 framework and on-demand lists (the same data `seed_agencies` writes)."""
    from interpreters.services.price_lists import price_lists_seed_demo

    return price_lists_seed_demo()


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterpreterBooking

    visit = factory.SubFactory(VisitFactory)
    language = "ar"
    modality = Modality.PHONE
    status = BookingStatus.REQUESTED
    requested_at = factory.LazyFunction(timezone.now)
