"""The embedded broker: a worker polling the queue folder never takes a half-written message."""

import threading
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection

from config.celery import app as celery_app


def channel_for(folder, transport: str):
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(folder / "c")}
    return Connection("filesystem://", transport=transport, transport_options=options).channel()


def race(folder, transport: str, count: int = 400) -> tuple[list, list[BaseException]]:
    """One thread puts `count` messages while another takes them as fast as it can."""
    producer, consumer = channel_for(folder, transport), channel_for(folder, transport)
    body = {"task": "interpreters.booking_dispatch_step", "padding": "x" * 20_000}
    received: list = []
    errors: list[BaseException] = []
    done = threading.Event()

    def put():
        for n in range(count):
            producer._put("celery", {**body, "n": n})
        done.set()

    def take():
        while len(received) < count and not (done.is_set() and errors):
            try:
                received.append(consumer._get("celery"))
            except Empty:
                if done.is_set() and not any(p.name.endswith(".msg") for p in folder.iterdir()):
                    break
            except Exception as exc:  # a half-written file: the message is gone
                errors.append(exc)

    threads = [threading.Thread(target=put), threading.Thread(target=take)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return received, errors


def test_a_consumer_racing_the_producer_gets_every_message_whole(tmp_path):
    received, errors = race(tmp_path, "config.kombu_filesystem:Transport")
    assert errors == []
    assert sorted(message["n"] for message in received) == list(range(400))
    assert all(len(message["padding"]) == 20_000 for message in received)


def test_the_embedded_broker_uses_the_atomic_transport():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("the broker is not the embedded filesystem one")
    with celery_app.connection_for_write() as conn:
        assert conn.transport_cls == "config.kombu_filesystem:Transport"
        assert type(conn.transport).__module__ == "config.kombu_filesystem"
