"""The live session page and the service worker that keeps it working offline.

The page is a shell: everything the browser needs to run the workout without
the network (the plan, the stored events, each exercise's name and cues, the
API's addresses) is embedded as JSON, and ES modules under
``static/runstrong/session/`` do the rest (see ``live_session.md`` beside this file).
"""

from __future__ import annotations

import hashlib
import json
from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from runstrong import offline
from runstrong.accounts.models import User
from runstrong.workouts import api_v1, pictures, selectors

# What the service worker stores on install, so that a session page loaded once
# keeps working with no network. Each module the page imports must be here.
SESSION_ASSETS: tuple[str, ...] = (
    "runstrong/site.css",
    "runstrong/session/session.css",
    "runstrong/session/app.js",
    "runstrong/session/engine.js",
    "runstrong/session/store.js",
    "runstrong/session/sync.js",
    "runstrong/session/cues.js",
)
# Every exercise picture too (18 small SVGs, about 15 KB compressed in all): a
# session may reach any exercise, and offline the picture of a slot not yet
# seen could not be fetched then.
SESSION_ASSETS += tuple(pictures.picture_names())
# What every page (base.html) loads besides site.css, stored too so that the
# installed app's start page (home) opens offline with its icons and script.
APP_ASSETS = (
    "runstrong/app.js",
    "runstrong/contrast.js",
    "runstrong/favicon.svg",
    "runstrong/icons/icon-192.png",
)
# The worker controls the whole site so that the installed app's start URL
# (home) opens offline; it keeps copies of home and session pages only, and
# lets every other page through to the network (see sw.js).
SERVICE_WORKER_SCOPE = "/"
SESSION_PAGES_PREFIX = "/sessions/"
# The worker's copies of home and session pages (see runstrong/offline.py).
SESSION_PAGES_CACHE = offline.PAGES_CACHE


@login_required
@ensure_csrf_cookie  # the page's script sends the cookie's token with every POST
@never_cache  # the service worker keeps its own copy for offline use
@require_GET
def session_page(request: HttpRequest, session_id: UUID) -> HttpResponse:
    athlete = request.user
    assert isinstance(athlete, User)
    session = selectors.session_get(session_id, athlete)
    if session is None:
        # Someone else's session is as missing as one that never existed.
        raise Http404("No such session")
    slugs = {str(slot["exercise"]) for slot in session.plan["slots"]}
    exercises = selectors.exercise_map(slugs)
    boot = {
        "session": api_v1.session_payload(session),
        "program_name": session.program.name,
        "exercises": {
            slug: {
                "name": exercise.name,
                "cues": list(exercise.cues),
                "picture": pictures.picture_url(slug),
            }
            for slug, exercise in exercises.items()
        },
        "urls": {
            "detail": reverse("api-v1:session_detail", args=[session.id]),
            "events": reverse("api-v1:session_events", args=[session.id]),
            "service_worker": reverse("service-worker"),
            "service_worker_scope": SERVICE_WORKER_SCOPE,
            "home": reverse("workouts:home"),
        },
    }
    return render(
        request,
        "workouts/session.html",
        {"session": session, "boot": boot, "program_name": session.program.name},
    )


def _assets_version(urls: list[str]) -> str:
    """Changes whenever an asset does, so a new worker replaces the old cache.

    With hashed file names (production) the URLs alone would do; reading the
    files as well covers plain names (DEBUG and tests) at a trivial cost.
    """
    digest = hashlib.sha256("\n".join(urls).encode())
    for name in (*SESSION_ASSETS, *APP_ASSETS):
        found = finders.find(name)
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: served from the site root so it may control the whole site."""
    urls = [static(name) for name in (*SESSION_ASSETS, *APP_ASSETS)]
    response = render(
        request,
        "workouts/sw.js",
        {
            "version": _assets_version(urls),
            # json.dumps output is valid JavaScript; the names are our own.
            "precache_json": json.dumps(urls),
            # STATIC_URL itself, not static(""): under the manifest storage
            # production uses, an empty name has no manifest entry (a 500).
            "static_prefix_json": json.dumps(settings.STATIC_URL),
            "session_prefix_json": json.dumps(SESSION_PAGES_PREFIX),
            "home_json": json.dumps(reverse("workouts:home")),
            "pages_cache_json": json.dumps(SESSION_PAGES_CACHE),
        },
        content_type="text/javascript; charset=utf-8",
    )
    # Browsers check a worker for updates on each navigation; never let an HTTP
    # cache hand them an old one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = SERVICE_WORKER_SCOPE
    return response
