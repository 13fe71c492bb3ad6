from django.urls import path

from interpreters.apis import AgencyCallbackApi, BookingCancelApi, BookingDetailApi, BookingListCreateApi

urlpatterns = [
    path("bookings/", BookingListCreateApi.as_view(), name="api-bookings"),
    path("bookings/<int:pk>/", BookingDetailApi.as_view(), name="api-booking-detail"),
    path("bookings/<int:pk>/cancel/", BookingCancelApi.as_view(), name="api-booking-cancel"),
    path("agency-callbacks/<slug:agency_slug>/", AgencyCallbackApi.as_view(), name="api-agency-callback"),
]
