"""Clubs, notifications, the result page's social forms and the results API door.

Mounted at the site root by the project's URLconf.
"""

from __future__ import annotations

from django.urls import path

from runstrong.community import views, views_result

app_name = "community"
urlpatterns = [
    path("clubs/", views.clubs, name="clubs"),
    # Before clubs/<slug>/ would not matter (two segments), but reads in order.
    path("clubs/join/<str:token>/", views.club_join, name="club_join"),
    path("clubs/<slug:slug>/", views.club, name="club"),
    path("clubs/<slug:slug>/leave/", views.club_leave, name="club_leave"),
    path("clubs/<slug:slug>/invite/", views.club_invite_rotate, name="club_invite_rotate"),
    path(
        "clubs/<slug:slug>/members/<id:athlete_id>/remove/",
        views.club_member_remove,
        name="club_member_remove",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("results/<id:result_id>/", views_result.result_detail, name="result"),
    path("results/<id:result_id>/cheers/", views.cheer, name="cheer"),
    path("results/<id:result_id>/comments/", views.comment_add, name="comment_add"),
    path("results/<id:result_id>/visibility/", views.result_visibility, name="visibility"),
    path("results/<id:result_id>/boards/", views.result_boards, name="boards"),
    path("results/<id:result_id>/flag/", views.flag, name="flag"),
    path("comments/<id:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<id:comment_id>/delete/", views.comment_delete, name="comment_delete"),
]
