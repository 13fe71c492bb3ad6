"""Locust users for bench/load.py (run by it; needs the `bench` extra: pip install '.[bench]').

Receptionists check visitors in; officers read their queue, take the next visitor, open the visit
page, request an interpreter for about half of them (the page then polls the booking's status until
the agency confirms), record the outcome and end the visit, so the queue stays as short as an
office's; managers sign in with their authenticator code and open the reports. Every user signs in
through the login form first; API writes carry the CSRF token like the pages' scripts do. Request
names are the route, not the URL, so ids do not split the statistics."""

import itertools
import os
import random
import time

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "tolkdesk-bench")
OFFICE_ID = int(os.environ.get("BENCH_OFFICE_ID", "1"))
AUTHORITY = os.environ.get("BENCH_AUTHORITY", "FK")
LANGUAGES = ["ar", "so", "ti", "prs", "fa", "uk"]
# "user:hexkey,..." (bench/load.py): one authenticator app per manager account.
MANAGER_TOTP = [entry.split(":", 1) for entry in os.environ.get("BENCH_MANAGER_TOTP", "").split(",") if entry]
_next_manager = itertools.count()


class Staff(HttpUser):
    abstract = True
    username = ""

    def on_start(self) -> None:
        self.client.get("/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
        )

    def api_post(self, path: str, body: dict, name: str, method: str = "post"):  # noqa: ANN201
        with self.client.request(
            method,
            path,
            json=body,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code >= 500:
                response.failure(f"HTTP {response.status_code}")
            elif response.status_code >= 400:
                response.success()  # a refusal (e.g. the visit already closed) is an answer, not an error
            return response


class Receptionist(Staff):
    # An office: a receptionist or two at the entrance, several officers serving (bench/load.py prints
    # the queue left at the end: if it grows, the officers cannot keep up with the check-ins).
    weight = 2
    wait_time = between(0.5, 1.5)
    username = "bench-reception"

    @task(1)
    def check_in_page(self) -> None:
        self.client.get("/", name="check-in page")

    @task(3)
    def check_in(self) -> None:
        self.api_post(
            "/api/v1/visits/",
            {
                "office": OFFICE_ID,
                "authority": AUTHORITY,
                "language_need": {"language": random.choice(LANGUAGES), "interpreter_wanted": "yes"},  # noqa: S311
            },
            "check-in (POST visits)",
        )


class Officer(Staff):
    weight = 7
    wait_time = between(0.5, 1.5)
    username = "bench-officer"

    @task(1)
    def queue(self) -> None:
        self.client.get("/officer/", name="officer queue page")

    @task(3)
    def serve_next(self) -> None:
        response = self.client.get("/api/v1/visits/?limit=20", name="visit list (API)")
        if response.status_code != 200:
            return
        waiting = [v for v in response.json().get("results", []) if v.get("status") == "waiting"]
        if not waiting:
            return
        visit = min(waiting, key=lambda v: v["checked_in_at"])
        self.client.get(f"/visits/{visit['id']}/", name="visit page")
        started = self.api_post(
            f"/api/v1/visits/{visit['id']}/", {"status": "in_service"}, "start (PATCH visit)", "patch"
        )
        if started.status_code != 200:
            return  # another officer took this visitor first
        used = random.random() < 0.5  # noqa: S311
        if used:
            booked = self.api_post(
                "/api/v1/bookings/", {"visit": visit["id"], "modality": "phone"}, "booking click (POST bookings)"
            )
            used = booked.status_code in (200, 201) and self.wait_for_interpreter(visit["id"])
        body = (
            {"interpreter_used": True} if used else {"interpreter_used": False, "reason_not_used": "visitor_declined"}
        )
        self.api_post(f"/api/v1/visits/{visit['id']}/outcome/", body, "outcome (POST outcome)")
        self.api_post(f"/api/v1/visits/{visit['id']}/", {"status": "done"}, "end (PATCH visit)", "patch")

    def wait_for_interpreter(self, visit_id: int) -> bool:
        """The visit page polls its status every 2 s; here every second, for at most 8 s."""
        for _ in range(8):
            time.sleep(1)
            status = self.client.get(f"/visits/{visit_id}/status.json", name="visit status poll")
            booking = (status.json() or {}).get("booking") or {} if status.status_code == 200 else {}
            if booking.get("status") in ("confirmed", "in_progress", "completed"):
                return True
        return False


class Manager(Staff):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.username, key = MANAGER_TOTP[next(_next_manager) % len(MANAGER_TOTP)]
        super().on_start()
        from django_otp.oath import totp  # noqa: PLC0415 - pure Python; no Django setup needed

        self.client.get("/account/two-step/verify/", name="two-step page")
        self.client.post(
            "/account/two-step/verify/",
            {
                "code": f"{totp(bytes.fromhex(key)):06d}",
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="two-step code",
            allow_redirects=False,
        )

    @task
    def reports(self) -> None:
        self.client.get("/reports/", name="reports overview")
