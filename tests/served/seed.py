"""Data for the served-site suite, made inside the served site's own database.

Run by ``runstrong manage shell -c`` (tests/served/conftest.py), so it goes
through the real services on the site's own configuration. It prints, as its
last line, a JSON object of what it made: the arguments every URL pattern
needs. Read from the environment: SEED_PASSWORD, SEED_ACTIVITY (a real run file).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from runstrong.accounts import services as accounts
from runstrong.accounts.models import Privacy, User
from runstrong.community import services as community
from runstrong.plans import services as plans
from runstrong.runs import services as runs
from runstrong.workouts import services as workouts
from runstrong.workouts.models import Program

password = os.environ["SEED_PASSWORD"]
activity = Path(os.environ["SEED_ACTIVITY"])

alex = accounts.user_sign_up(email="alex@example.com", password=password, display_name="Alex")
casey = accounts.user_sign_up(email="casey@example.com", password=password, display_name="Casey")
moderator = User.objects.create_superuser("mo", "mo@example.com", password)
program = Program.objects.get(slug="runners-250")

# A finished 250 in sets of 25 at 2 s a rep, seen by everyone.
session = workouts.session_start(athlete=alex, program=program)
events: list[dict[str, object]] = [{"type": "start", "at": 1_760_000_000_000}]
now = 1_760_000_000_000
for position, slot in enumerate(session.plan["slots"]):
    for _ in range(slot["reps"] // 25):
        now += 50_000
        events.append({"type": "reps", "at": now, "slot": position, "n": 25})
events.append({"type": "finish", "at": now})
for seq, event in enumerate(events):
    appended = workouts.session_append(session_id=session.id, athlete=alex, seq=seq, event=event)
result = appended.result
assert result is not None
community.result_visibility_set(athlete=alex, result_id=result.pk, visibility=Privacy.PUBLIC)
open_session = workouts.session_start(athlete=alex, program=program)

club = community.club_create(creator=alex, name="Riverside Runners")
community.club_join(athlete=casey, token=club.invite_token)
comment = community.comment_add(author=casey, result_id=result.pk, text="Strong finish!")
batch = runs.batch_import(athlete=alex, files=[(activity.name, activity.read_bytes())])
assert batch.outcomes[0].activity_id is not None, batch.outcomes

# A week plan, for the plan page's per-session forms.
plans.plan_save(
    athlete=alex,
    days=["easy", "quality", "easy", "rest", "easy", "rest", "long"],
    per_week=2,
    program_slug="runners-250",
    race_day=None,
    race_is_a=False,
)
plan_item = alex.plan_items.order_by("day").first()
assert plan_item is not None

# For the admin's pages: one existing object of every model it shows.
admin_objects = {}
for model in admin.site._registry:
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        admin_objects[f"{model._meta.app_label}_{model._meta.model_name}"] = str(first)

print(
    json.dumps(
        {
            "program_slug": program.slug,
            "result_id": result.pk,
            "session_id": str(open_session.id),
            "finished_session_id": str(session.id),
            "club_slug": club.slug,
            "club_token": club.invite_token,
            "clubmate_id": casey.pk,
            "comment_id": comment.pk,
            "batch_id": batch.batch.pk,
            "activity_id": batch.outcomes[0].activity_id,
            "plan_item_id": plan_item.pk,
            "reset_uid": urlsafe_base64_encode(force_bytes(alex.pk)),
            "reset_token": default_token_generator.make_token(alex),
            "admin_objects": admin_objects,
            "app_labels": sorted({config.label for config in apps.get_app_configs()}),
        }
    )
)
