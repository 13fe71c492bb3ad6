"""rundemo end to end: the README's first command, in a real subprocess with a real Celery worker."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from visits.management.commands.rundemo import worker_command
from visits.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_command_is_a_real_worker_with_beat_not_eager():
    argv = worker_command()
    assert argv[:4] == [sys.executable, "-m", "celery", "-A"]
    assert "worker" in argv and "-B" in argv


def test_rundemo_serves_the_site_with_a_ready_worker_and_stops_both_on_ctrl_c(tmp_path: Path):
    port = free_port()
    worker_log = tmp_path / "worker.log"
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    # The embedded default (SQLite + filesystem broker), in a folder of its own.
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TOLKDESK_RUN_DIR=str(tmp_path / "run"))
    process = subprocess.Popen(
        [
            *(sys.executable, "manage.py", "rundemo", "--port", str(port), "--worker-log", str(worker_log)),
            *("--history", "500"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def login_page():
            try:
                return requests.get(f"{base}/login/", timeout=2).status_code == 200
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read().decode()
                return False

        wait_for(login_page, 120, "the web server")
        session = requests.Session()
        session.get(f"{base}/login/", timeout=5)
        response = session.post(
            f"{base}/login/",
            data={
                "username": "reception",
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/",
            },
            headers={"Referer": f"{base}/login/"},
            timeout=10,
        )
        assert response.status_code == 200 and response.url == f"{base}/"
        assert "Göteborg Angered" in response.text
        # The office manager's reports show the generated past year, not just today's queue.
        manager = requests.Session()
        manager.get(f"{base}/login/", timeout=5)
        manager.post(
            f"{base}/login/",
            data={
                "username": "manager",
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": manager.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/login/"},
            timeout=10,
        )
        usage = manager.get(f"{base}/api/v1/reports/usage/?group_by=office", timeout=30).json()
        assert [row["label"] for row in usage["rows"]] == ["Göteborg Angered"]
        assert usage["national"]["visits"] >= 450
        wait_for(lambda: worker_log.exists() and re.search(r"celery@\S+ ready", worker_log.read_text()), 60, "worker")
        assert "beat: Starting" in worker_log.read_text()
        worker_pids = wait_for(
            lambda: subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split(),
            10,
            "worker pid",
        )
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
        try:
            output = process.communicate(timeout=40)[0].decode()
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, output
    assert "password for all: " + DEMO_PASSWORD in output
    # The logins come after the server's own lines, and an ordinary run prints no traceback.
    assert output.index("password for all") > output.index("Quit the server with")
    assert "Traceback" not in output
    for pid in worker_pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_rundemo_refuses_a_taken_port_before_starting_a_worker(tmp_path: Path):
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TOLKDESK_RUN_DIR=str(tmp_path / "run"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "rundemo", "--port", str(port)],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr
    assert "Celery worker with beat started" not in result.stdout


def test_a_second_rundemo_in_the_same_folder_refuses_and_says_how_to_stop_the_first(tmp_path: Path):
    import fcntl

    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TOLKDESK_RUN_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir()
    # The first demo holds the folder's lock (as _hold_demo_lock does) and wrote its pid.
    with open(tmp_path / "run" / "rundemo.lock", "w") as first:
        first.write("4242")
        first.flush()
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run(
            [sys.executable, "manage.py", "rundemo", "--port", str(free_port())],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "already running" in result.stderr and "kill 4242" in result.stderr
    assert "Celery worker with beat started" not in result.stdout
