"""The workouts JSON API, mounted under ``/api/`` by the project's URLconf."""

from __future__ import annotations

from django.urls import path

from runstrong.workouts import api

app_name = "workouts_api"
urlpatterns = [
    path("sessions/<uuid:session_id>/", api.session_detail, name="session"),
    path("sessions/<uuid:session_id>/events/", api.session_events, name="session-events"),
]
