from django.urls import path

from interpreters import views

app_name = "quality"

urlpatterns = [
    path("interpreter-blocks/", views.interpreter_blocks, name="interpreter-blocks"),
    path("interpreter-blocks/<int:pk>/lift/", views.interpreter_block_lift_view, name="interpreter-block-lift"),
    path("agency-quarantines/", views.agency_quarantines_view, name="agency-quarantines"),
    path("agency-quarantines/<int:pk>/lift/", views.agency_quarantine_lift_view, name="agency-quarantine-lift"),
]
