"""Only one celery beat runs: a second one exits at start (file lock in the embedded default,
PostgreSQL advisory lock otherwise), and beat writes the heartbeat /readyz reads."""

import pytest

from config.celery import app as celery_app
from config.outbox.beat import Scheduler, beat_lock_held_elsewhere, beat_lock_try, heartbeat_record
from config.outbox.models import Heartbeat


@pytest.fixture
def run_dir(settings, tmp_path):
    settings.RUN_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_lock_is_refused_while_the_first_is_held(run_dir):
    first = beat_lock_try()
    assert first is not None
    try:
        assert beat_lock_try() is None
        assert beat_lock_held_elsewhere() is True
    finally:
        first.release()
    assert beat_lock_held_elsewhere() is False
    again = beat_lock_try()
    assert again is not None
    again.release()


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_exits_at_start_and_the_first_writes_its_heartbeat(run_dir):
    held = beat_lock_try()
    try:
        with pytest.raises(SystemExit):
            Scheduler(app=celery_app, schedule_filename=str(run_dir / "second-beat-schedule"))
    finally:
        held.release()
    beat = Scheduler(app=celery_app, schedule_filename=str(run_dir / "beat-schedule"))
    try:
        assert beat_lock_held_elsewhere() is True
        heartbeat_record("beat")
        assert Heartbeat.objects.filter(name="beat").exists()
    finally:
        beat.close()
        Scheduler.lock.release()
