from django.urls import path

from interpreters.desk import appointment_views, channel_views, notification_views, views

app_name = "interpreters"

urlpatterns = [
    path("officer/", views.officer_queue, name="officer-queue"),
    path("notifications/", notification_views.notification_preferences, name="notification-preferences"),
    # Appointments (issue 11): the day view and its forms.
    path("appointments/", appointment_views.appointments_day, name="appointments-day"),
    path("appointments/new/", appointment_views.appointment_new, name="appointment-new"),
    path("appointments/<int:pk>/move/", appointment_views.appointment_move_view, name="appointment-move"),
    path("appointments/<int:pk>/cancel/", appointment_views.appointment_cancel_view, name="appointment-cancel"),
    path("appointments/<int:pk>/no-show/", appointment_views.appointment_no_show_view, name="appointment-no-show"),
    path("requisitions/disputed/", views.requisitions_disputed, name="requisitions-disputed"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/status.json", views.visit_booking_status, name="visit-booking-status"),
    path("visits/<int:pk>/start/", views.visit_start, name="visit-start"),
    path("visits/<int:pk>/end/", views.visit_end, name="visit-end"),
    path("visits/<int:pk>/left/", views.visit_left, name="visit-left"),
    path("visits/<int:pk>/reopen/", views.visit_reopen_view, name="visit-reopen"),
    path("visits/<int:pk>/interpreter/", views.visit_booking_request, name="visit-booking-request"),
    path("visits/<int:pk>/interpreter/estimate/", views.visit_booking_estimate, name="visit-booking-estimate"),
    path(
        "visits/<int:pk>/interpreter/<int:booking_pk>/cancel/",
        views.visit_booking_cancel,
        name="visit-booking-cancel",
    ),
    path("visits/<int:pk>/direct-line/", channel_views.visit_direct_line, name="visit-direct-line"),
    path(
        "visits/<int:pk>/direct-line/<int:booking_pk>/end/",
        channel_views.visit_direct_line_end,
        name="visit-direct-line-end",
    ),
    path("visits/<int:pk>/ordered-elsewhere/", channel_views.visit_external_order, name="visit-external-order"),
    path(
        "visits/<int:pk>/interpreter/<int:booking_pk>/requisition/",
        views.visit_requisition_decide,
        name="visit-requisition-decide",
    ),
]
