from __future__ import annotations

from django.urls import path

from runstrong.runs import views

app_name = "runs"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("imports/<id:batch_id>/", views.import_result, name="import"),
]
