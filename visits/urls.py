from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("", views.check_in, name="check-in"),
    path("queue/", views.queue, name="queue"),
]
