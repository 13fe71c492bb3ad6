"""config/kombu_redis.py: once the broker connection is closed, kombu's Redis channel fails with a
connection error the consumer ignores while it reconnects, not the AttributeError that made a Celery
worker exit when Redis went away mid-task (bench/outage.py)."""

import pytest
from kombu import Connection

from tests.servers import PrivateRedis


@pytest.fixture
def redis(tmp_path):
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


def test_a_channel_whose_transport_was_closed_raises_a_connection_error_when_it_restores_messages(redis):
    connection = Connection(redis.url)
    channel = connection.default_channel
    errors = connection.connection_errors
    channel.qos._delivered["tag"] = None  # a message the worker had not acknowledged
    redis.stop()
    channel._pool = None  # the pool goes with the connection when it is closed
    connection.transport.client = None  # what closing the connection leaves behind
    with pytest.raises(errors):
        channel.qos.restore_unacked()
    channel.qos._delivered.clear()  # nothing left for kombu's at-exit restore to try again


def test_a_live_channel_still_builds_its_connection_parameters(redis):
    connection = Connection(redis.url)
    params = connection.default_channel._connparams()
    assert params["port"] == redis.port
    connection.release()
