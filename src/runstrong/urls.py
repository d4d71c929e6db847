from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, register_converter

from runstrong.api import api as api_v1
from runstrong.converters import IdConverter
from runstrong.workouts import views_app, views_session

# ``<id:…>`` for every database id in the URLconfs below: registered before
# include() imports them, which is when their routes are compiled.
register_converter(IdConverter, "id")

# Refusals answer with the site's own page, or in JSON under /api/.
handler400 = "runstrong.errors.bad_request"
handler403 = "runstrong.errors.permission_denied"
handler404 = "runstrong.errors.page_not_found"
handler500 = "runstrong.errors.server_error"

urlpatterns = [
    path("", include("runstrong.workouts.urls")),
    # The public API (runstrong/api.py); its documentation at /api/v1/docs.
    path("api/v1/", api_v1.urls),
    # At the root, so the worker may control the session pages below it.
    path("sw.js", views_session.service_worker, name="service-worker"),
    path("manifest.webmanifest", views_app.web_manifest, name="web-manifest"),
    path("accounts/", include("runstrong.accounts.urls")),
    path("", include("runstrong.community.urls")),
    path("boards/", include("runstrong.community.urls_boards")),
    path("", include("runstrong.community.urls_share")),
    path("runs/", include("runstrong.runs.urls")),
    path("runs/", include("runstrong.runs.urls_analysis")),
    path("plan/", include("runstrong.plans.urls")),
    path("plan/", include("runstrong.plans.urls_feed")),
    path("admin/", admin.site.urls),
]
