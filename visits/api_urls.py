from django.urls import path

from visits import apis, kiosk_apis, staffing_apis

urlpatterns = [
    path("offices/", apis.OfficeListApi.as_view(), name="api-office-list"),
    path("offices/<int:pk>/", apis.OfficeDetailApi.as_view(), name="api-office-detail"),
    path("offices/<int:office_id>/staffing/", staffing_apis.StaffingListApi.as_view(), name="api-staffing-list"),
    path(
        "offices/<int:office_id>/staffing/<str:day>/", staffing_apis.StaffingDayApi.as_view(), name="api-staffing-day"
    ),
    path("languages/", apis.LanguageListApi.as_view(), name="api-language-list"),
    path("visits/", apis.VisitListCreateApi.as_view(), name="api-visit-list"),
    path("visits/<int:visit_id>/", apis.VisitDetailApi.as_view(), name="api-visit-detail"),
    path("queue/", kiosk_apis.QueueApi.as_view(), name="api-queue"),
]
