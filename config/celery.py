import os

from celery import Celery

from config.kombu_redis import guard_closed_transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# A worker survives the Redis broker going away mid-task (see config/kombu_redis.py).
guard_closed_transport()

app = Celery("tolkdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Packages inside an app are not autodiscovered.
app.autodiscover_tasks(["visits.reports"])
