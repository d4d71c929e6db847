from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from runstrong.plans import views_feed

app_name = "plans_feed"

urlpatterns: list[URLPattern | URLResolver] = [
    # The token is secrets.token_urlsafe: letters, digits, "-" and "_", as a slug.
    path("calendar/<slug:token>.ics", views_feed.feed, name="feed"),
]
