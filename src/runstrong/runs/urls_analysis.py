from __future__ import annotations

from django.urls import path

from runstrong.runs import views_activity, views_analysis

app_name = "runs_analysis"
# Mounted at /runs/ beside the import pages: the id converter keeps
# /runs/upload/ and other words from ever reaching the run page.
urlpatterns = [
    path("<id:activity_id>/", views_analysis.run_detail, name="run"),
    path("<id:activity_id>/sport/", views_activity.run_sport, name="sport"),
    path("<id:activity_id>/delete/", views_activity.run_delete, name="delete"),
    path("trend/", views_analysis.trend, name="trend"),
]
