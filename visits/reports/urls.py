from django.urls import path

from visits.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("offices/", views.ranking, name="ranking"),
    path("offices/<int:office_id>/", views.office_detail, name="office"),
    path("monthly/", views.monthly_report, name="monthly"),
]
