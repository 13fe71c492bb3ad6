import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.factories import OfficeFactory
from visits.models import StaffingDay

pytestmark = pytest.mark.django_db


def run(tmp_path, text, *args):
    path = tmp_path / "staffing.csv"
    path.write_text(text, encoding="utf-8")
    return call_command("import_staffing", str(path), *args)


def saved():
    return {(row.office_id, row.date): row.officer_hours for row in StaffingDay.objects.all()}


def test_good_rows_are_saved_with_decimal_point_or_comma(tmp_path, capsys):
    a, b = OfficeFactory(), OfficeFactory()
    text = f'office_id,date,officer_hours\n{a.pk},2026-10-01,7.5\n{b.pk},2026-10-01,"22,5"\n{a.pk},2026-10-02,8,5\n'
    run(tmp_path, text)
    assert saved() == {
        (a.pk, date(2026, 10, 1)): Decimal("7.5"),
        (b.pk, date(2026, 10, 1)): Decimal("22.5"),
        (a.pk, date(2026, 10, 2)): Decimal("8.5"),
    }
    assert "3 rows saved, 0 rejected." in capsys.readouterr().out


def test_a_semicolon_file_from_swedish_excel_is_read(tmp_path):
    office = OfficeFactory()
    run(tmp_path, f"\ufeffoffice_id;date;officer_hours\r\n{office.pk};2026-10-01;7,5\r\n")
    assert saved() == {(office.pk, date(2026, 10, 1)): Decimal("7.5")}


def test_bad_rows_are_reported_by_line_good_rows_kept_and_exit_status_is_1(tmp_path, capsys):
    office = OfficeFactory()
    text = (
        "office_id,date,officer_hours\n"
        f"{office.pk},2026-10-01,8\n"  # line 2: good
        f"{office.pk},2026-02-30,8\n"  # 3: no such date
        f"{office.pk},2026-10-03,-2\n"  # 4: negative
        f"{office.pk},2026-10-04,250\n"  # 5: absurd
        "999999,2026-10-05,8\n"  # 6: unknown office
        f"{office.pk},2026-10-01,9\n"  # 7: duplicate of line 2
        f"{office.pk},2026-10-06\n"  # 8: a field missing
    )
    with pytest.raises(CommandError, match="6 rows rejected"):
        run(tmp_path, text)
    assert saved() == {(office.pk, date(2026, 10, 1)): Decimal("8")}
    err = capsys.readouterr().err
    for line in (3, 4, 5, 6, 7, 8):
        assert f"line {line}: rejected" in err
    assert re.search(r"line 7: rejected \([^)]* 2\)", err)  # the duplicate names the line it repeats


def test_a_dry_run_checks_everything_and_saves_nothing(tmp_path, capsys):
    office = OfficeFactory()
    run(tmp_path, f"office_id,date,officer_hours\n{office.pk},2026-10-01,8\n", "--dry-run")
    assert saved() == {}
    assert "1 rows would be saved, 0 rejected." in capsys.readouterr().out


def test_a_wrong_header_or_missing_file_is_an_error_and_saves_nothing(tmp_path):
    office = OfficeFactory()
    with pytest.raises(CommandError, match="office_id,date,officer_hours"):
        run(tmp_path, f"office,day,hours\n{office.pk},2026-10-01,8\n")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_staffing", str(tmp_path / "missing.csv"))
    assert saved() == {}


def test_importing_again_replaces_the_days_hours(tmp_path):
    office = OfficeFactory()
    run(tmp_path, f"office_id,date,officer_hours\n{office.pk},2026-10-01,8\n")
    run(tmp_path, f"office_id,date,officer_hours\n{office.pk},2026-10-01,12\n")
    assert saved() == {(office.pk, date(2026, 10, 1)): Decimal("12")}
