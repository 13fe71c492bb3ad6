from django.urls import path

from interpreters.apis_outcome import VisitOutcomeApi

urlpatterns: list = [
    # The outcome API lives with the officer's desk (interpreters app); its URL sits under visits.
    path("visits/<int:pk>/outcome/", VisitOutcomeApi.as_view(), name="visit-outcome"),
]
