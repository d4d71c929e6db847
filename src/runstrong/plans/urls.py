from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "plans"

urlpatterns: list[URLPattern | URLResolver] = []  # the plan page and its forms (plans/views.py)
