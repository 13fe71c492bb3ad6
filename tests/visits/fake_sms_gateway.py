"""A real HTTP SMS gateway on 127.0.0.1 (a thread, port chosen by the OS) for the reminder tests. It
records every POST (body and headers) and answers per the script, one entry per request, then "ok":

    gateway.script = ["500", "timeout", "ok"]   # a 500, then no answer within timeout_sleep, then 202
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeSmsGateway:
    script: list[str] = field(default_factory=list)
    timeout_sleep: float = 1.5
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/sms"

    def start(self) -> "FakeSmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
                return

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): what the timeout test provokes

            def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                with gateway.lock:
                    gateway.received.append(Received(self.path, body, dict(self.headers)))
                    action = gateway.script.pop(0) if gateway.script else "ok"
                if action == "timeout":
                    time.sleep(gateway.timeout_sleep)
                    return self._answer(202, {"id": "late"})
                if action.isdigit():
                    return self._answer(int(action), {"error": f"scripted {action}"})
                return self._answer(202, {"id": f"sms-{len(gateway.received)}", "status": "queued"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
