from django.urls import path, re_path

from interpreters import apis_complaints, apis_quality
from interpreters.apis import AgencyCallbackApi, BookingCancelApi, BookingDetailApi, BookingListCreateApi
from interpreters.apis_money import BookingRequisitionApi, DisputedRequisitionListApi, PriceEstimateApi
from interpreters.apis_notifications import NotificationPreferencesApi
from interpreters.desk.apis import DirectLineEndApi, VisitDirectLineApi, VisitExternalOrderApi, VisitOutcomeApi
from interpreters.desk.apis_appointments import AppointmentDetailApi, AppointmentListCreateApi

urlpatterns = [
    path("bookings/", BookingListCreateApi.as_view(), name="api-bookings"),
    path("bookings/<int:pk>/", BookingDetailApi.as_view(), name="api-booking-detail"),
    path("bookings/<int:pk>/cancel/", BookingCancelApi.as_view(), name="api-booking-cancel"),
    path(
        "bookings/<int:pk>/complaints/", apis_complaints.BookingComplaintsApi.as_view(), name="api-booking-complaints"
    ),
    path("bookings/<int:pk>/rating/", apis_quality.BookingRatingApi.as_view(), name="api-booking-rating"),
    path("interpreter-blocks/", apis_quality.InterpreterBlockListCreateApi.as_view(), name="api-interpreter-blocks"),
    path(
        "interpreter-blocks/<int:pk>/lift/",
        apis_quality.InterpreterBlockLiftApi.as_view(),
        name="api-interpreter-block-lift",
    ),
    path("agency-quarantines/", apis_quality.AgencyQuarantineListCreateApi.as_view(), name="api-agency-quarantines"),
    path(
        "agency-quarantines/<int:pk>/lift/",
        apis_quality.AgencyQuarantineLiftApi.as_view(),
        name="api-agency-quarantine-lift",
    ),
    path("complaints/", apis_complaints.ComplaintListApi.as_view(), name="api-complaints"),
    path("complaints/<int:pk>/", apis_complaints.ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path(
        "complaints/<int:pk>/withdraw/", apis_complaints.ComplaintWithdrawApi.as_view(), name="api-complaint-withdraw"
    ),
    path(
        "complaints/<int:pk>/escalate/", apis_complaints.ComplaintEscalateApi.as_view(), name="api-complaint-escalate"
    ),
    path("bookings/<int:pk>/requisition/", BookingRequisitionApi.as_view(), name="api-booking-requisition"),
    path("requisitions/disputed/", DisputedRequisitionListApi.as_view(), name="api-requisitions-disputed"),
    path("notification-preferences/", NotificationPreferencesApi.as_view(), name="api-notification-preferences"),
    path("price-estimate/", PriceEstimateApi.as_view(), name="api-price-estimate"),
    # The outcome the officer records at the desk (interpreters/desk/apis.py).
    path("visits/<int:pk>/outcome/", VisitOutcomeApi.as_view(), name="visit-outcome"),
    # Every channel counted (issue 11).
    path("visits/<int:pk>/direct-line/", VisitDirectLineApi.as_view(), name="api-visit-direct-line"),
    path("bookings/<int:pk>/direct-line/end/", DirectLineEndApi.as_view(), name="api-booking-direct-line-end"),
    path("visits/<int:pk>/external-orders/", VisitExternalOrderApi.as_view(), name="api-visit-external-orders"),
    # Appointments and their pre-booked interpreters (interpreters/desk/apis_appointments.py).
    path("appointments/", AppointmentListCreateApi.as_view(), name="api-appointments"),
    path("appointments/<int:pk>/", AppointmentDetailApi.as_view(), name="api-appointment-detail"),
    # Any name at all (not <slug:>): it reaches the view, and an unknown one gets the same 401 as a bad
    # signature (a malformed or empty slug, or one holding "/", must not answer 404 and tell them apart).
    re_path(r"^agency-callbacks/(?P<agency_slug>.*)/$", AgencyCallbackApi.as_view(), name="api-agency-callback"),
]
