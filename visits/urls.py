from django.urls import path

from visits import staffing_views, views

app_name = "visits"

urlpatterns = [
    path("", views.check_in, name="check-in"),
    path("queue/", views.queue, name="queue"),
    path("staffing/", staffing_views.staffing_week, name="staffing"),
]
