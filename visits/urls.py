from django.urls import path

from visits import staffing_views, views
from visits.mfa import views as mfa_views

app_name = "visits"

urlpatterns = [
    path("", views.check_in, name="check-in"),
    path("queue/", views.queue, name="queue"),
    path("staffing/", staffing_views.staffing_week, name="staffing"),
    # Two-step sign-in (visits/mfa).
    path("account/", mfa_views.account, name="account"),
    path("account/two-step/verify/", mfa_views.mfa_verify_page, name="mfa-verify"),
    path("account/two-step/setup/", mfa_views.mfa_setup, name="mfa-setup"),
    path("account/two-step/recovery-codes/", mfa_views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("account/two-step/off/", mfa_views.mfa_off, name="mfa-off"),
]
