from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from runstrong.workouts import views_session

urlpatterns = [
    path("", include("runstrong.workouts.urls")),
    path("api/", include("runstrong.workouts.api_urls")),
    # At the root, so the worker may control the session pages below it.
    path("sw.js", views_session.service_worker, name="service-worker"),
    path("accounts/", include("runstrong.accounts.urls")),
    path("", include("runstrong.community.urls")),
    path("boards/", include("runstrong.community.urls_boards")),
    path("", include("runstrong.community.urls_share")),
    path("runs/", include("runstrong.runs.urls")),
    path("runs/", include("runstrong.runs.urls_analysis")),
    path("admin/", admin.site.urls),
]
