from __future__ import annotations

from django.urls import path

from runstrong.workouts import views, views_session

app_name = "workouts"
urlpatterns = [
    path("", views.home, name="home"),
    path("programs/", views.program_list, name="programs"),
    path("programs/<slug:slug>/", views.program_detail, name="program"),
    path("programs/<slug:slug>/start/", views.program_start, name="program_start"),
    path("history/", views.history, name="history"),
    path("history/log/", views.history_log, name="log"),
    path("sessions/<uuid:session_id>/", views_session.session_page, name="session"),
]
