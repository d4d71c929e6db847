from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from runstrong.plans import views

app_name = "plans"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan, name="plan"),
    path("items/<id:item_id>/move/", views.item_move, name="move"),
    path("items/<id:item_id>/skip/", views.item_skip, name="skip"),
    path("items/<id:item_id>/start/", views.item_start, name="start"),
    path("calendar-link/", views.feed_rotate, name="feed_rotate"),
]
