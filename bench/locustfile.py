"""Locust users for bench/load.py (run by it; needs the `bench` extra: pip install '.[bench]').

Receptionists check visitors in, officers read their queue and visit pages and request bookings,
managers open the reports. Every user signs in through the login form first; API writes carry the
CSRF token like the pages' scripts do. Request names are the route, not the URL, so ids do not
split the statistics."""

import os
import random

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "tolkdesk-bench")
OFFICE_ID = int(os.environ.get("BENCH_OFFICE_ID", "1"))
AUTHORITY = os.environ.get("BENCH_AUTHORITY", "FK")
LANGUAGES = ["ar", "so", "ti", "prs", "fa", "uk"]


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

    def api_post(self, path: str, body: dict, name: str):  # noqa: ANN201
        with self.client.post(
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
    weight = 5
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
    weight = 4
    wait_time = between(0.5, 1.5)
    username = "bench-officer"

    @task(2)
    def queue(self) -> None:
        self.client.get("/officer/", name="officer queue page")

    @task(2)
    def book_one(self) -> None:
        response = self.client.get("/api/v1/visits/?limit=20", name="visit list (API)")
        if response.status_code != 200:
            return
        visits = [v for v in response.json().get("results", []) if v.get("status") not in ("done", "left")]
        if not visits:
            return
        visit = random.choice(visits)  # noqa: S311
        self.client.get(f"/visits/{visit['id']}/", name="visit page")
        self.api_post("/api/v1/bookings/", {"visit": visit["id"], "modality": "phone"}, "booking click (POST bookings)")


class Manager(Staff):
    weight = 1
    wait_time = between(2, 5)
    username = "bench-manager"

    @task
    def reports(self) -> None:
        self.client.get("/reports/", name="reports overview")
