"""Names the service worker shares with pages outside the workouts app.

The worker (workouts/views_session.py) keeps copies of home and session pages;
they show the athlete's name and splits, so the logged-out page (accounts)
deletes that cache and the next person to use the phone cannot read them
offline. Both sides read the name from here, so accounts needs nothing above it.
"""

from __future__ import annotations

PAGES_CACHE = "runstrong-pages-v1"
