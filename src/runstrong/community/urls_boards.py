from __future__ import annotations

from django.urls import path

from runstrong.community import views_boards

app_name = "community_boards"
urlpatterns = [
    path("", views_boards.index, name="index"),
    path("<slug:program_slug>/", views_boards.board, name="board"),
]
