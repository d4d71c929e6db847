"""Public result pages and their card images, mounted at the site root."""

from __future__ import annotations

from django.urls import path

from runstrong.community import views_share

app_name = "community_share"
urlpatterns = [
    path("r/<id:result_id>/", views_share.public_result, name="result"),
    path("r/<id:result_id>/card.png", views_share.card_png, name="card"),
]
