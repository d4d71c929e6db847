from __future__ import annotations

from django.urls import path

from runstrong.workouts import views

app_name = "workouts"
urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<slug:slug>/", views.program_detail, name="program"),
]
