"""The visits API: offices, language catalogue, check-in and visit updates (happy paths, scoping
and roles). Bad input is in test_apis_bad_input.py."""

import datetime as dt

import pytest
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
from visits.models import County, LanguageNeed, StaffRole, Visit, VisitStatus

OFFICES = "/api/v1/offices/"
LANGUAGES = "/api/v1/languages/"
VISITS = "/api/v1/visits/"


def visit_url(visit_id: int) -> str:
    return f"{VISITS}{visit_id}/"


# --- Authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [OFFICES, LANGUAGES, VISITS, f"{OFFICES}1/", f"{VISITS}1/"])
def test_anonymous_requests_get_a_json_401_or_403(api, db, url):
    response = api.get(url)
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_anonymous_check_in_is_refused_and_writes_nothing(api, office, authority):
    response = api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json")
    assert response.status_code in (401, 403)
    assert Visit.objects.count() == 0


def test_session_login_is_enough_to_use_the_api(receptionist, office, authority):
    from rest_framework.test import APIClient

    client = APIClient()
    assert client.login(username="reception", password="correct horse battery staple")
    response = client.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json")
    assert response.status_code == 201


# --- Offices -------------------------------------------------------------------------------------


def test_offices_lists_only_the_users_offices(reception_api, office):
    OfficeFactory(name="Annat kontor")
    response = reception_api.get(OFFICES)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row == {
        "id": office.pk,
        "name": office.name,
        "municipality": "Uppsala",
        "county": "C",
        "county_name": "Uppsala län",
        "phone": "+46771778899",
        "active": True,
    }


def test_national_admin_sees_every_office(admin_api, db):
    OfficeFactory.create_batch(3)
    assert admin_api.get(OFFICES).json()["count"] == 3


def test_offices_filter_by_county_active_and_search(admin_api, db):
    OfficeFactory(name="Servicekontor Kiruna", municipality="Kiruna", county=County.NORRBOTTEN)
    OfficeFactory(name="Servicekontor Luleå", municipality="Luleå", county=County.NORRBOTTEN, active=False)
    OfficeFactory(name="Servicekontor Malmö", municipality="Malmö", county=County.SKANE)

    def names(query: str) -> list[str]:
        response = admin_api.get(OFFICES + query)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names("?county=BD") == ["Servicekontor Kiruna", "Servicekontor Luleå"]
    assert names("?county=BD&active=true") == ["Servicekontor Kiruna"]
    assert names("?active=false") == ["Servicekontor Luleå"]
    assert names("?search=malm") == ["Servicekontor Malmö"]
    assert names("?search=KIRUNA") == ["Servicekontor Kiruna"]


def test_office_detail_of_another_office_is_404(reception_api, office):
    other = OfficeFactory()
    assert reception_api.get(f"{OFFICES}{office.pk}/").status_code == 200
    assert reception_api.get(f"{OFFICES}{other.pk}/").status_code == 404


# --- Language catalogue --------------------------------------------------------------------------


def test_languages_lists_the_active_catalogue_in_rank_order_with_cldr_names(reception_api, catalogue):
    response = reception_api.get(LANGUAGES)
    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == ["ar", "so", "prs", "uk"]
    assert rows[0] == {
        "code": "ar",
        "name_sv": "arabiska",
        "name_en": "Arabic",
        "endonym": "العربية",
        "rtl": True,
        "rank": 1,
    }
    assert rows[2]["name_sv"] == "dari" and rows[2]["rtl"] is True
    assert rows[3]["endonym"] == "українська" and rows[3]["rtl"] is False


def test_languages_honour_the_admins_name_overrides(reception_api, db):
    LanguageFactory(code="aii", rank=1, name_sv_override="assyriska (östlig)", endonym_override="ܣܘܪܝܝܐ")
    row = reception_api.get(LANGUAGES).json()[0]
    assert row["name_sv"] == "assyriska (östlig)"
    assert row["endonym"] == "ܣܘܪܝܝܐ"
    assert row["name_en"] == "Assyrian Neo-Aramaic"  # not overridden: still from the names table


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("arab", ["ar"]),  # Swedish "arabiska" and English "Arabic"
        ("SOMALI", ["so"]),
        ("prs", ["prs"]),
        ("ukrainska", ["uk"]),
        ("Ukrainian", ["uk"]),
        ("українська", ["uk"]),
        ("finska", []),  # inactive
        ("", ["ar", "so", "prs", "uk"]),
    ],
)
def test_languages_search_by_swedish_english_name_endonym_or_code(reception_api, catalogue, query, codes):
    response = reception_api.get(LANGUAGES, {"q": query})
    assert response.status_code == 200
    assert [row["code"] for row in response.json()] == codes


# --- Check-in ------------------------------------------------------------------------------------


def test_check_in_with_a_language_need_creates_the_visit_and_answers_with_names(reception_api, office, authority):
    response = reception_api.post(
        VISITS,
        {
            "office": office.pk,
            "authority": authority.code,
            "language_need": {"language": "PRS", "dialect": " Herat ", "interpreter_wanted": "yes"},
            "visitor_name": "Ahmad",
            "visitor_phone": "070-123 45 67",
            "note": "Har med sig brev",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get()
    assert body["id"] == visit.pk
    assert body["queue_number"] == "F001"
    assert body["status"] == "waiting"
    assert body["office"] == {"id": office.pk, "name": office.name}
    assert body["authority"] == {"id": authority.pk, "code": "forsakringskassan", "name": "Försäkringskassan"}
    assert body["visitor_phone"] == "+46701234567"
    assert body["visitor_name"] == "Ahmad"
    assert body["started_at"] is None and body["ended_at"] is None
    assert dt.datetime.fromisoformat(body["checked_in_at"]) == visit.checked_in_at
    assert body["service_date"] == timezone.localdate().isoformat()
    need = body["language_need"]
    assert need["language"] == "prs"
    assert (need["name_sv"], need["name_en"], need["endonym"], need["rtl"]) == ("dari", "Dari", "دری", True)
    assert need["dialect"] == "Herat"
    assert need["identified_by"] == "visitor_said"  # the default
    assert visit.checked_in_by.username == "reception"
    assert visit.language_need.recorded_by.username == "reception"


def test_authority_may_be_given_by_id_as_an_integer(reception_api, office, authority):
    response = reception_api.post(VISITS, {"office": office.pk, "authority": authority.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["authority"]["code"] == "forsakringskassan"
    # A numeric string is a code, never an id.
    response = reception_api.post(VISITS, {"office": office.pk, "authority": str(authority.pk)}, format="json")
    assert response.status_code == 400 and "authority" in response.json()


def test_check_in_without_a_language_need(reception_api, office, authority):
    response = reception_api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json")
    assert response.status_code == 201
    assert response.json()["language_need"] is None
    assert LanguageNeed.objects.count() == 0


def test_check_in_with_null_language_need_means_none(reception_api, office, authority):
    response = reception_api.post(
        VISITS, {"office": office.pk, "authority": authority.code, "language_need": None}, format="json"
    )
    assert response.status_code == 201
    assert LanguageNeed.objects.count() == 0


def test_check_in_names_follow_the_catalogue_override(reception_api, office, authority):
    LanguageFactory(code="ckb", name_sv_override="sorani")
    response = reception_api.post(
        VISITS,
        {"office": office.pk, "authority": authority.code, "language_need": {"language": "ckb"}},
        format="json",
    )
    assert response.json()["language_need"]["name_sv"] == "sorani"


@pytest.mark.parametrize(
    "need",
    [None, {"language": "prs", "dialect": "Herat", "interpreter_wanted": "no", "identified_by": "pointed_at_card"}],
)
def test_the_check_in_answer_is_the_visit_as_its_detail_shows_it(reception_api, office, authority, need):
    """The 201 body is built by serializers whose fields are built once per thread (issue 16): it
    must stay exactly what the visit's own read answers, every time, in every language."""
    LanguageFactory(code="prs", name_sv_override="dari (override)")
    body = {"office": office.pk, "authority": authority.code, "visitor_name": "Ahmad", "visitor_phone": "070-1234567"}
    if need:
        body["language_need"] = need
    for language in ["sv", "en", "sv"]:
        created = reception_api.post(VISITS, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert created.status_code == 201, created.content
        shown = reception_api.get(f"{VISITS}{created.json()['id']}/", HTTP_ACCEPT_LANGUAGE=language)
        assert created.json() == shown.json()
    assert (created.json()["language_need"] or {}).get("name_sv") == ("dari (override)" if need else None)


def test_queue_numbers_count_up_through_the_api(reception_api, office, authority):
    numbers = [
        reception_api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json").json()[
            "queue_number"
        ]
        for _ in range(3)
    ]
    assert numbers == ["F001", "F002", "F003"]


@pytest.mark.parametrize("role", [StaffRole.RECEPTIONIST, StaffRole.OFFICER, StaffRole.OFFICE_MANAGER])
def test_every_office_role_may_check_in_at_its_office(api, office, authority, role):
    user = UserFactory()
    MembershipFactory(user=user, office=office, role=role)
    api.force_login(user)
    assert api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json").status_code == 201


def test_national_admin_may_check_in_anywhere(admin_api, authority):
    office = OfficeFactory()
    assert admin_api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json").status_code == 201


def test_check_in_at_an_office_the_user_is_not_member_of_is_403_and_writes_nothing(reception_api, authority):
    other = OfficeFactory()
    response = reception_api.post(
        VISITS,
        {"office": other.pk, "authority": authority.code, "language_need": {"language": "ar"}},
        format="json",
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    assert Visit.objects.count() == 0 and LanguageNeed.objects.count() == 0


def test_a_user_without_any_membership_cannot_check_in(api, office, authority):
    api.force_login(UserFactory())
    response = api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json")
    assert response.status_code == 403
    assert Visit.objects.count() == 0


def test_field_errors_come_before_the_office_permission(reception_api):
    other = OfficeFactory()
    response = reception_api.post(VISITS, {"office": other.pk, "authority": "nope"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["authority"]


def test_inactive_office_or_authority_is_400_on_its_field(admin_api, authority):
    closed = OfficeFactory(active=False)
    retired = AuthorityFactory(code="retired", name="Nedlagd", active=False)
    open_office = OfficeFactory()
    response = admin_api.post(VISITS, {"office": closed.pk, "authority": "forsakringskassan"}, format="json")
    assert response.status_code == 400 and "office" in response.json()
    response = admin_api.post(VISITS, {"office": open_office.pk, "authority": retired.code}, format="json")
    assert response.status_code == 400 and "authority" in response.json()
    assert Visit.objects.count() == 0


# --- Listing visits ------------------------------------------------------------------------------


def test_visit_list_shows_only_the_users_offices_without_personal_fields(reception_api, office):
    mine = LanguageNeedFactory(visit__office=office, visit__visitor_name="Ahmad", language="so").visit
    VisitFactory()  # another office
    response = reception_api.get(VISITS)
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1
    row = body["results"][0]
    assert row["id"] == mine.pk
    assert row["language_need"]["name_en"] == "Somali"
    assert "visitor_name" not in row and "visitor_phone" not in row and "note" not in row


def test_visit_list_filters(reception_api, office, receptionist):
    second = OfficeFactory()
    MembershipFactory(user=receptionist, office=second)
    yesterday = timezone.now() - dt.timedelta(days=1)
    needs = LanguageNeedFactory(visit__office=office).visit
    plain = VisitFactory(office=office, status=VisitStatus.IN_SERVICE)
    old = VisitFactory(office=office, checked_in_at=yesterday)
    elsewhere = VisitFactory(office=second)

    def ids(query: str) -> set[int]:
        response = reception_api.get(VISITS + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {needs.pk, plain.pk, elsewhere.pk}  # today's: no date means today
    assert ids(f"?office={second.pk}") == {elsewhere.pk}
    assert ids("?status=in_service") == {plain.pk}
    assert ids(f"?service_date={timezone.localdate(yesterday).isoformat()}") == {old.pk}
    assert ids("?has_language_need=true") == {needs.pk}
    assert ids(f"?has_language_need=0&office={office.pk}") == {plain.pk}


# --- One visit -----------------------------------------------------------------------------------


def test_visit_detail_shows_personal_fields_to_its_office(reception_api, office):
    visit = VisitFactory(office=office, visitor_name="Ahmad", visitor_phone="+46701234567", note="brev")
    body = reception_api.get(visit_url(visit.pk)).json()
    assert (body["visitor_name"], body["visitor_phone"], body["note"]) == ("Ahmad", "+46701234567", "brev")
    assert body["language_need"] is None


def test_another_offices_visit_is_404_for_read_and_update(reception_api, officer_api):
    visit = VisitFactory()
    for client in (reception_api, officer_api):
        assert client.get(visit_url(visit.pk)).status_code == 404
        assert client.patch(visit_url(visit.pk), {"status": "in_service"}, format="json").status_code == 404
    visit.refresh_from_db()
    assert visit.status == VisitStatus.WAITING


def test_officer_moves_a_visit_through_its_statuses(officer_api, officer, office):
    visit = VisitFactory(office=office)
    response = officer_api.patch(visit_url(visit.pk), {"status": "in_service"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_service"
    assert response.json()["started_at"] is not None
    visit.refresh_from_db()
    assert visit.served_by == officer
    response = officer_api.patch(visit_url(visit.pk), {"status": "done"}, format="json")
    assert response.json()["status"] == "done" and response.json()["ended_at"] is not None


def test_illegal_status_move_is_400_on_status(officer_api, office):
    visit = VisitFactory(office=office, status=VisitStatus.DONE)
    response = officer_api.patch(visit_url(visit.pk), {"status": "waiting"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE


def test_receptionist_may_not_change_the_status(reception_api, office):
    visit = VisitFactory(office=office)
    response = reception_api.patch(visit_url(visit.pk), {"status": "in_service"}, format="json")
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == VisitStatus.WAITING


def test_receptionist_flags_a_language_need_after_check_in(reception_api, receptionist, office):
    visit = VisitFactory(office=office)
    response = reception_api.patch(
        visit_url(visit.pk),
        {"language_need": {"language": "ti", "identified_by": "pointed_at_card"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    need = response.json()["language_need"]
    assert (need["language"], need["name_sv"], need["endonym"]) == ("ti", "tigrinja", "ትግርኛ")
    assert need["interpreter_wanted"] == "yes" and need["identified_by"] == "pointed_at_card"
    assert LanguageNeed.objects.get().recorded_by == receptionist


def test_patching_part_of_the_language_need_keeps_the_rest(officer_api, office):
    need = LanguageNeedFactory(visit__office=office, language="ar-SY", dialect="Aleppo", identified_by="officer_judged")
    response = officer_api.patch(
        visit_url(need.visit.pk), {"language_need": {"interpreter_wanted": "declined"}}, format="json"
    )
    assert response.status_code == 200, response.content
    need.refresh_from_db()
    assert (need.language, need.dialect, need.identified_by, need.interpreter_wanted) == (
        "ar-SY",
        "Aleppo",
        "officer_judged",
        "declined",
    )
    assert response.json()["language_need"]["name_sv"] == "arabiska (Syrien)"


def test_a_new_language_need_without_language_is_400(officer_api, office):
    visit = VisitFactory(office=office)
    response = officer_api.patch(
        visit_url(visit.pk), {"language_need": {"dialect": "x"}}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {"language_need": {"language": ["A language is required."]}}
    assert LanguageNeed.objects.count() == 0


def test_status_and_language_need_change_together_or_not_at_all(officer_api, office):
    need = LanguageNeedFactory(visit__office=office, visit__status=VisitStatus.DONE, language="ar")
    response = officer_api.patch(
        visit_url(need.visit.pk), {"status": "in_service", "language_need": {"language": "so"}}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()
    need.refresh_from_db()
    assert need.language == "ar"


def test_status_and_language_need_in_one_patch(officer_api, office):
    visit = VisitFactory(office=office)
    response = officer_api.patch(
        visit_url(visit.pk), {"status": "in_service", "language_need": {"language": "uk"}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_service"
    assert response.json()["language_need"]["name_en"] == "Ukrainian"


def test_an_empty_patch_is_400(officer_api, office):
    visit = VisitFactory(office=office)
    response = officer_api.patch(visit_url(visit.pk), {}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_visits_cannot_be_replaced_or_deleted(officer_api, office, method):
    visit = VisitFactory(office=office)
    response = getattr(officer_api, method)(visit_url(visit.pk), {}, format="json")
    assert response.status_code == 405
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_visit_list_query_count_does_not_grow_with_the_page(reception_api, office, django_assert_max_num_queries):
    for code in ["ar", "so", "ti", "prs", "uk"]:
        LanguageNeedFactory(visit__office=office, language=code)
    VisitFactory.create_batch(5, office=office)
    # session + user + page + the catalogue's name overrides, whatever the page size (no count)
    with django_assert_max_num_queries(5):
        response = reception_api.get(VISITS)
    assert len(response.json()["results"]) == 10


def test_the_visit_list_without_a_date_is_todays_in_stockholm(reception_api, office, monkeypatch):
    # 23:30 UTC on 14 January is 00:30 on the 15th in Stockholm: "today" is the 15th there.
    late = dt.datetime(2026, 1, 14, 23, 30, tzinfo=dt.UTC)
    today = VisitFactory(office=office, checked_in_at=late, service_date=dt.date(2026, 1, 15))
    VisitFactory(office=office, checked_in_at=late - dt.timedelta(hours=2), service_date=dt.date(2026, 1, 14))
    monkeypatch.setattr(timezone, "now", lambda: late + dt.timedelta(minutes=5))
    response = reception_api.get(VISITS)
    assert [row["id"] for row in response.json()["results"]] == [today.pk]


def test_the_visit_list_pages_by_cursor_newest_first_without_repeats(reception_api, office):
    base = timezone.localtime().replace(hour=8)
    visits = [VisitFactory(office=office, checked_in_at=base + dt.timedelta(minutes=i)) for i in range(7)]
    seen, url, pages = [], VISITS + "?limit=3", 0
    while url:
        response = reception_api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        if pages == 1:
            assert "cursor=" in url
            VisitFactory(office=office, checked_in_at=base + dt.timedelta(minutes=30))  # a newer arrival
    assert pages == 3
    # Every visit once, newest first; the newcomer sorts before page 1, so no later page repeats a row.
    assert seen == [v.pk for v in reversed(visits)]


def test_a_garbled_cursor_is_a_404_not_a_500(reception_api, office):
    VisitFactory(office=office)
    assert reception_api.get(VISITS + "?cursor=not-a-cursor").status_code == 404


# --- Kiosk tokens (visits.authentication): check-in at the token's office only --------------------


@pytest.fixture
def kiosk_api(office):
    from rest_framework.test import APIClient

    from tests.factories import kiosk_token_with_key

    _token, key = kiosk_token_with_key(office)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_kiosk_checks_in_at_its_office_and_no_staff_member_is_recorded(kiosk_api, office, authority):
    response = kiosk_api.post(
        VISITS,
        {"office": office.pk, "authority": authority.code, "language_need": {"language": "so"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    assert visit.checked_in_by is None
    assert visit.language_need.recorded_by is None


def test_a_kiosk_cannot_check_in_elsewhere_nor_read_visits(kiosk_api, office, authority):
    other = OfficeFactory()
    response = kiosk_api.post(VISITS, {"office": other.pk, "authority": authority.code}, format="json")
    assert response.status_code == 403
    assert Visit.objects.count() == 0
    mine = VisitFactory(office=office, visitor_name="Ahmad")
    assert kiosk_api.get(VISITS).status_code == 403
    assert kiosk_api.get(visit_url(mine.pk)).status_code in (403, 404)
    assert kiosk_api.patch(visit_url(mine.pk), {"status": "left"}, format="json").status_code in (403, 404)


def test_a_kiosk_reads_the_language_catalogue(kiosk_api, catalogue):
    response = kiosk_api.get(LANGUAGES)
    assert response.status_code == 200
    assert [row["code"] for row in response.json()] == ["ar", "so", "prs", "uk"]


def test_a_bad_token_is_refused_with_a_json_answer(api, office, authority):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    # DRF takes the status from the first authenticator (session: no challenge, so 403, not 401).
    assert api.get(LANGUAGES).status_code in (401, 403)
    response = api.post(VISITS, {"office": office.pk, "authority": authority.code}, format="json")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()
    assert Visit.objects.count() == 0
