"""visits/services.py:visit_update, the visit API's PATCH as one service: both changes or neither."""

import pytest

from tests.factories import LanguageNeedFactory, VisitFactory
from visits.errors import DomainError
from visits.models import LanguageNeed, VisitStatus
from visits.services import LanguageNeedInput, visit_update


def test_an_illegal_status_move_leaves_the_language_need_unchanged(office):
    visit = VisitFactory(office=office, status=VisitStatus.DONE)
    LanguageNeedFactory(visit=visit, language="ar")
    with pytest.raises(DomainError) as refused:
        visit_update(visit=visit, by=None, need=LanguageNeedInput("so"), status=VisitStatus.IN_SERVICE)
    assert refused.value.field == "status"
    assert LanguageNeed.objects.get(visit=visit).language == "ar"


def test_both_changes_land_together(office):
    visit = VisitFactory(office=office, status=VisitStatus.WAITING)
    updated = visit_update(visit=visit, by=None, need=LanguageNeedInput("ti"), status=VisitStatus.IN_SERVICE)
    assert updated.status == VisitStatus.IN_SERVICE and updated.started_at is not None
    assert LanguageNeed.objects.get(visit=visit).language == "ti"
