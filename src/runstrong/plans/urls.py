from __future__ import annotations

app_name = "plans"

urlpatterns: list = []  # the plan page and its forms (plans/views.py)
