"""The web app manifest: what a phone needs to install RunStrong.

Served at the site root (``/manifest.webmanifest``) so its scope may be the
whole site; the service worker (``views_session.service_worker``) makes the
start URL open with no network.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

# The site's green (favicon, buttons) for the title bar; the splash screen
# shows the icon on the page's own background.
THEME_COLOR = "#0a5c3b"
BACKGROUND_COLOR = "#ffffff"
# The query string tells the home page's visits from the installed app apart
# in logs; the service worker treats it as home.
START_SOURCE = "pwa"


def manifest_data() -> dict[str, object]:
    home = reverse("workouts:home")
    return {
        "id": home,
        "name": "RunStrong",
        "short_name": "RunStrong",
        "description": "Guides, times and shares the 250/500-rep strength workout for runners.",
        "lang": "en",
        "dir": "ltr",
        "start_url": f"{home}?source={START_SOURCE}",
        "scope": home,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["health", "fitness", "sports"],
        "icons": [
            {
                "src": static("runstrong/icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("runstrong/icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("runstrong/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [
            {
                "name": "Start my workout",
                "short_name": "Workout",
                "description": "Pick the 250 or the 500 and start the clock.",
                "url": f"{reverse('workouts:programs')}?source={START_SOURCE}",
                "icons": [{"src": static("runstrong/icons/icon-192.png"), "sizes": "192x192"}],
            },
            {
                "name": "Boards",
                "short_name": "Boards",
                "description": "Posted times, fastest first.",
                "url": f"{reverse('community_boards:index')}?source={START_SOURCE}",
                "icons": [{"src": static("runstrong/icons/icon-192.png"), "sizes": "192x192"}],
            },
        ],
    }


@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        json.dumps(manifest_data(), indent=2),
        content_type="application/manifest+json",
    )
    # Its icon URLs carry content hashes that change with a deploy.
    response["Cache-Control"] = "no-cache"
    return response
