from django.urls import path

from visits.reports.apis import UsageReportApi

urlpatterns = [
    path("reports/usage/", UsageReportApi.as_view(), name="reports-usage"),
]
