import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AuthorityFactory,
    LanguageFactory,
    LanguageNeedFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
    VisitFactory,
)
from visits.models import InterpreterWanted, LanguageNeed, NeedIdentifiedBy, StaffRole, Visit, VisitStatus

URL = reverse("visits:check-in")


@pytest.fixture
def desk(client, office, authority, receptionist):
    """A logged-in receptionist at one office, with a small catalogue."""
    for code in ["ar", "ti", "prs"]:
        LanguageFactory(code=code)
    client.force_login(receptionist)
    return client


def post(client, office, **data):
    # What the browser sends for an untouched form: no language, identified_by preselected.
    payload = {"office": office.pk, "language": "", "identified_by": NeedIdentifiedBy.VISITOR_SAID, **data}
    return client.post(URL, payload)


def test_unauthenticated_user_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_swedish_speaker_is_checked_in_with_the_preselected_authority_only(desk, office, authority):
    # The page preselects the authority, so "Check in" alone is enough: one click.
    page = desk.get(URL)
    assert page.context["form"]["authority"].value() == authority.pk
    response = post(desk, office, authority=authority.pk)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.office, visit.authority, visit.status) == (office, authority, VisitStatus.WAITING)
    assert not LanguageNeed.objects.exists()
    followed = desk.get(response["Location"])
    assert f"{visit.queue_number}" in followed.content.decode()
    assert any(visit.queue_number in str(m) for m in followed.context["messages"])


def test_the_most_common_authority_of_the_office_is_preselected(desk, office):
    skatteverket = AuthorityFactory(code="skatteverket", name="Skatteverket")
    VisitFactory.create_batch(3, office=office, authority=skatteverket)
    VisitFactory(office=office)  # one Försäkringskassan visit
    assert desk.get(URL).context["form"]["authority"].value() == skatteverket.pk


def test_language_need_is_recorded_from_the_picker(desk, office, authority, receptionist):
    response = post(
        desk,
        office,
        authority=authority.pk,
        language="ti",
        dialect="Asmara",
        interpreter_wanted=InterpreterWanted.YES,
        identified_by=NeedIdentifiedBy.POINTED_AT_CARD,
        visitor_phone="070-123 45 67",
    )
    assert response.status_code == 302
    need = LanguageNeed.objects.select_related("visit").get()
    assert (need.language, need.dialect, need.interpreter_wanted, need.identified_by) == (
        "ti",
        "Asmara",
        InterpreterWanted.YES,
        NeedIdentifiedBy.POINTED_AT_CARD,
    )
    assert need.recorded_by == receptionist
    assert str(need.visit.visitor_phone) == "+46701234567"
    message = str(next(iter(desk.get(response["Location"]).context["messages"])))
    # The read-back names the dialect too, so a wrong one is noticed while the visitor is there.
    assert message == f"Incheckad. Könummer: {need.visit.queue_number} · Språk: tigrinja (Asmara), vill ha tolk: ja"


def test_free_entry_tag_beats_the_grid_and_is_normalised(desk, office, authority):
    post(desk, office, authority=authority.pk, language="ar", language_other="ku_arab", interpreter_wanted="unsure")
    assert LanguageNeed.objects.get().language == "ku-Arab"


def test_invalid_language_code_is_shown_next_to_the_free_entry_field(desk, office, authority):
    response = post(desk, office, authority=authority.pk, language_other="klingon", interpreter_wanted="yes")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["language_other"] == ["”klingon” är inte en giltig språkkod (ISO 639 / BCP 47)."]
    html = response.content.decode()
    assert 'id="language-other-error"' in html  # next to the field
    assert 'href="#field-language_other"' in html  # and in the summary above the form
    assert "Besökaren checkades inte in" in html
    assert not Visit.objects.exists()


def test_language_not_in_the_catalogue_grid_is_refused(desk, office, authority):
    response = post(desk, office, authority=authority.pk, language="xx", interpreter_wanted="yes")
    assert response.status_code == 400
    assert "language" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_bad_phone_number_is_shown_on_the_phone_field(desk, office, authority):
    response = post(desk, office, authority=authority.pk, visitor_phone="12")
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["visitor_phone"]
    assert not Visit.objects.exists()


def test_a_language_need_must_say_whether_an_interpreter_is_wanted(desk, office, authority):
    response = post(desk, office, authority=authority.pk, language="ar")
    assert response.status_code == 400
    assert "interpreter_wanted" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_interpreter_wanted_without_a_language_is_refused(desk, office, authority):
    response = post(desk, office, authority=authority.pk, interpreter_wanted="yes")
    assert "language" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_missing_authority_is_a_field_error(desk, office):
    response = post(desk, office)
    assert "authority" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_inactive_authority_is_refused(desk, office):
    closed = AuthorityFactory(code="closed", name="Closed", active=False)
    response = post(desk, office, authority=closed.pk)
    assert "authority" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_checking_in_at_an_office_the_user_is_not_member_of_is_refused(desk, authority):
    other = OfficeFactory()
    response = post(desk, other, authority=authority.pk)
    assert response.status_code == 404
    assert not Visit.objects.exists()
    assert desk.get(URL, {"office": other.pk}).status_code == 404
    assert desk.get(reverse("visits:queue"), {"office": other.pk}).status_code == 404


def test_user_without_an_office_gets_403(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(URL).status_code == 403


def test_a_user_with_several_offices_can_switch_and_the_choice_sticks(desk, receptionist, authority):
    second = OfficeFactory(name="Ö-kontoret")
    MembershipFactory(user=receptionist, office=second, role=StaffRole.RECEPTIONIST)
    page = desk.get(URL, {"office": second.pk})
    assert page.context["office"] == second
    assert desk.get(URL).context["office"] == second  # remembered in the session
    post(desk, second, authority=authority.pk)
    assert Visit.objects.get().office == second


def test_superuser_may_use_any_office(client, authority):
    office = OfficeFactory()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(URL).context["office"] == office


def test_queue_shows_todays_waiting_and_in_service_visits_of_the_office_only(desk, office):
    waiting = LanguageNeedFactory(
        visit=VisitFactory(office=office, queue_number="F007", checked_in_at=timezone.now() - dt.timedelta(minutes=12)),
        language="prs",
        dialect="Herat",
    ).visit
    VisitFactory(office=office, queue_number="F008", status=VisitStatus.IN_SERVICE)
    VisitFactory(office=office, queue_number="F009", status=VisitStatus.DONE)
    VisitFactory(queue_number="X001")  # another office
    VisitFactory(office=office, queue_number="F001", checked_in_at=timezone.now() - dt.timedelta(days=1))

    response = desk.get(URL)
    numbers = [row.visit.queue_number for row in response.context["queue"]]
    assert numbers == ["F007", "F008"]
    row = response.context["queue"][0]
    assert row.waited_minutes == 12
    html = response.content.decode()
    assert f'href="/visits/{waiting.pk}/"' in html
    assert 'lang="prs" dir="rtl"' in html  # the Dari badge, in its own script
    assert "دری" in html and "Herat" in html
    assert "badge--wanted" in html


def test_queue_fragment_renders_without_the_page(desk, office):
    VisitFactory(office=office, queue_number="F042")
    response = desk.get(reverse("visits:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "F042" in html and "<html" not in html


def test_picker_tiles_show_endonym_with_swedish_and_english_names_and_rtl(desk):
    html = desk.get(URL).content.decode()
    assert 'lang="ar" dir="rtl">العربية' in html
    assert 'lang="ti" dir="ltr">ትግርኛ' in html
    assert "Arabiska" in html and "Arabic" in html
    assert 'data-search="prs dari Dari دری"' in html


def test_picker_honours_the_catalogue_name_overrides(desk):
    LanguageFactory(code="ckb", name_sv_override="sorani", name_en_override="Sorani", endonym_override="سۆرانی")
    html = desk.get(URL).content.decode()
    assert "Sorani" in html and "سۆرانی" in html
    assert "Centralkurdiska" not in html


def test_inactive_catalogue_languages_are_not_offered(desk, office, authority):
    LanguageFactory(code="fi", active=False)
    assert 'value="fi"' not in desk.get(URL).content.decode()
    response = post(desk, office, authority=authority.pk, language="fi", interpreter_wanted="yes")
    assert "language" in response.context["form"].errors


def test_page_is_swedish_by_default_and_english_when_chosen(desk):
    swedish = desk.get(URL).content.decode()
    assert '<html lang="sv">' in swedish
    assert "Checka in en besökare" in swedish and "Dagens kö" in swedish
    response = desk.post(reverse("set_language"), {"language": "en", "next": URL})
    assert response.status_code == 302
    english = desk.get(URL).content.decode()
    assert '<html lang="en">' in english
    assert "Check in a visitor" in english and "Today's queue" in english


def test_page_queries_do_not_grow_with_the_queue(desk, office, django_assert_max_num_queries):
    for n in range(3):
        LanguageNeedFactory(visit=VisitFactory(office=office, queue_number=f"F1{n:02d}"), language="ar")
    with django_assert_max_num_queries(20) as few:
        desk.get(URL)
    for n in range(20):
        LanguageNeedFactory(visit=VisitFactory(office=office, queue_number=f"F2{n:02d}"), language="prs")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(URL)
    assert len(response.context["queue"]) == 23
