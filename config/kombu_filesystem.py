"""kombu's filesystem transport (the embedded broker), with messages that appear whole.

Stock kombu creates the message file and then writes it. A worker polling the folder in between
moves the still-empty file away, cannot decode it and drops the message: a booking's dispatch is
then lost until the sweeper finds the booking minutes later (seen in bench/booking.py bursts).
Here a message is written under a name consumers ignore and renamed into place, which is atomic
within one filesystem."""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # celery-types types this differently in filesystem.Channel and in its base AbstractChannel.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        # The same name kombu gives it (consumers take files in name order, "<queue>.msg" only).
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.part"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self) -> dict:
        # A folder needs no host: without this kombu warns "No hostname was supplied" on every start.
        return {"port": self.default_port}
