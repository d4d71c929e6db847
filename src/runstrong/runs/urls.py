from __future__ import annotations

from django.urls import path

from runstrong.runs import views, views_history, views_upload

app_name = "runs"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("imports/<id:batch_id>/", views.import_result, name="import"),
    # A whole history, sent in chunks (views_upload).
    path("uploads/", views_upload.upload_start, name="uploads"),
    path("uploads/<uuid:key>/", views_upload.upload_chunks, name="upload_chunks"),
    # Its import in the background, watched (views_history).
    path("history/<uuid:key>/", views_history.history_import, name="history"),
    path("history/<uuid:key>/progress/", views_history.history_progress, name="history_progress"),
]
