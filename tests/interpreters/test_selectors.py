import pytest

from interpreters.selectors import competence_preference, interpreter_choose
from tests.interpreters.factories import AgencyFactory, BookingFactory, InterpreterFactory


@pytest.mark.parametrize(
    ("required", "wished", "expected"),
    [
        ("", "", ["rattstolk", "sjukvardstolk", "auktoriserad", "utbildad", "ovrig"]),
        ("", "auktoriserad", ["auktoriserad", "utbildad", "ovrig", "sjukvardstolk", "rattstolk"]),
        ("utbildad", "auktoriserad", ["auktoriserad", "utbildad", "sjukvardstolk", "rattstolk"]),
        ("auktoriserad", "", ["rattstolk", "sjukvardstolk", "auktoriserad"]),
        ("auktoriserad", "auktoriserad", ["auktoriserad", "sjukvardstolk", "rattstolk"]),
    ],
)
def test_wished_level_first_then_the_next_down_never_below_the_required_floor(required, wished, expected):
    assert competence_preference(required=required, wished=wished) == expected


def test_interpreter_choice_honours_floor_wish_modality_and_gender(db):
    agency = AgencyFactory()
    InterpreterFactory(agency=agency, name="övrig", competence="ovrig")
    trained = InterpreterFactory(agency=agency, name="utbildad", competence="utbildad", gender="male")
    trained_f = InterpreterFactory(agency=agency, name="utbildad-f", competence="utbildad", gender="female")
    InterpreterFactory(agency=agency, name="video-only", competence="auktoriserad", modalities=["video"])
    InterpreterFactory(agency=agency, name="somali", competence="auktoriserad", languages=[{"language": "so"}])

    def choose(**kwargs):
        booking = BookingFactory.build(language="ar", modality="phone", **kwargs)
        return interpreter_choose(agency=agency, booking=booking)

    assert choose(competence_wished="auktoriserad") in (trained, trained_f)  # next level down
    assert choose(competence_wished="utbildad", gender_preference="female") == trained_f
    assert choose(competence_required="auktoriserad") is None  # nobody at or above the floor by phone
    assert choose(competence_required="utbildad", gender_preference="male") == trained
