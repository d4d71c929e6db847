"""The public page of a result and its card, read as a link preview would read them."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.templatetags.static import static
from django.test import Client
from PIL import Image

from runstrong.community import cards, services_share, views_share
from runstrong.community import services as social
from runstrong.community.models import Cheer, ShareCard
from runstrong.workouts.models import Result, Review
from tests.community.share_helpers import SHOWN_TIME, parse, result_with

pytestmark = pytest.mark.usefixtures("catalog_synced")

BASE = "http://testserver"


@pytest.fixture
def named_athlete(athlete: Any) -> Any:
    athlete.display_name = "Alex Quinnell"
    athlete.save(update_fields=["display_name"])
    return athlete


@pytest.fixture
def public_result(named_athlete: Any) -> Result:
    return result_with(named_athlete, "public")


def page_url(result: Result) -> str:
    return f"/r/{result.pk}/"


def card_path(result: Result) -> str:
    return f"/r/{result.pk}/card.png"


def test_public_page_has_every_open_graph_and_twitter_tag(
    client: Client, public_result: Result
) -> None:
    response = client.get(page_url(public_result))
    assert response.status_code == 200
    page = parse(response.content)

    title = f"Alex Quinnell: Runner's 250 in {SHOWN_TIME}"
    assert page.one("og:title") == title
    assert page.one("twitter:title") == title
    description = page.one("og:description")
    assert "Runner's 250" in description and "250 reps" in description
    assert "Calf raises 1:46" in description  # 50 reps at 2.13 s
    assert page.one("twitter:description") == description
    assert page.one("og:type") == "website"
    assert page.one("og:url") == f"{BASE}/r/{public_result.pk}/"
    image = page.one("og:image")
    assert image == f"{BASE}/r/{public_result.pk}/card.png?v={cards.CARD_VERSION}"
    assert page.one("twitter:image") == image
    assert page.one("og:image:width") == "1200"
    assert page.one("og:image:height") == "630"
    assert page.one("og:image:type") == "image/png"
    assert title in page.one("og:image:alt")
    assert page.one("twitter:card") == "summary_large_image"
    assert page.one("twitter:image:alt") == page.one("og:image:alt")
    canonical = [link for link in page.links if link.get("rel") == "canonical"]
    assert [link["href"] for link in canonical] == [page.one("og:url")]


def test_every_url_in_the_tags_is_absolute(client: Client, public_result: Result) -> None:
    page = parse(client.get(page_url(public_result)).content)
    for key in ("og:url", "og:image", "twitter:image"):
        parts = urlsplit(page.one(key))
        assert parts.scheme == "http" and parts.netloc == "testserver", key


def test_public_url_setting_wins_over_the_request_host(
    client: Client, public_result: Result, settings: Any
) -> None:
    settings.RUNSTRONG_PUBLIC_URL = "https://runstrong.example/"
    page = parse(client.get(page_url(public_result)).content)
    assert page.one("og:url") == f"https://runstrong.example/r/{public_result.pk}/"
    assert page.one("og:image").startswith(f"https://runstrong.example/r/{public_result.pk}/card")


def test_og_image_is_the_card_a_1200_by_630_png(client: Client, public_result: Result) -> None:
    page = parse(client.get(page_url(public_result)).content)
    parts = urlsplit(page.one("og:image"))
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == views_share.CARD_CACHE_CONTROL
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size == (int(page.one("og:image:width")), int(page.one("og:image:height")))


def test_card_is_drawn_once_and_then_served_as_stored(
    client: Client, public_result: Result
) -> None:
    first = client.get(card_path(public_result))
    assert ShareCard.objects.filter(result=public_result).count() == 1
    stored = ShareCard.objects.get(result=public_result)
    assert bytes(stored.png) == first.content
    assert stored.version == cards.CARD_VERSION
    # Marked, so a redraw would show: the next request must serve these bytes.
    ShareCard.objects.filter(pk=stored.pk).update(png=b"stored bytes")

    second = client.get(card_path(public_result))
    assert second.content == b"stored bytes"
    assert ShareCard.objects.filter(result=public_result).count() == 1
    assert ShareCard.objects.get(result=public_result).created_at == stored.created_at


def test_card_older_than_the_drawing_is_redrawn(client: Client, public_result: Result) -> None:
    client.get(card_path(public_result))
    ShareCard.objects.filter(result=public_result).update(version=0, png=b"old drawing")

    response = client.get(card_path(public_result))
    assert response.content.startswith(b"\x89PNG")
    card = ShareCard.objects.get(result=public_result)
    assert card.version == cards.CARD_VERSION
    assert bytes(card.png) == response.content


def test_public_page_shows_the_result_splits_cheers_and_the_workout(
    client: Client, public_result: Result, stranger: Any
) -> None:
    Cheer.objects.create(result=public_result, athlete=stranger, kind="cheer")
    Cheer.objects.create(result=public_result, athlete=stranger, kind="pr")
    text = parse(client.get(page_url(public_result)).content).visible_text
    assert "Alex Quinnell" in text
    assert SHOWN_TIME in text
    for exercise in ("Calf raises", "Donkey kicks", "Squat to curl", "Back extensions"):
        assert exercise in text
    assert "2 cheers" in text
    assert "250/500 Rep Resistance Training Workout for Runners" in text


def test_share_buttons_give_facebook_the_link_only(client: Client, public_result: Result) -> None:
    page = parse(client.get(page_url(public_result)).content)
    facebook = [link["href"] for link in page.links if "facebook.com" in link.get("href", "")]
    assert len(facebook) == 1
    parts = urlsplit(facebook[0])
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "www.facebook.com",
        "/sharer/sharer.php",
    )
    assert parse_qs(parts.query) == {"u": [f"{BASE}/r/{public_result.pk}/"]}

    labels = {button.get("class", ""): button for button in page.buttons}
    copy = next(button for name, button in labels.items() if "share-copy-button" in name)
    native = next(button for name, button in labels.items() if "share-native" in name)
    # Both need the script: hidden until it runs (and "Share…" stays hidden
    # where the browser has no Web Share API); the link field works without.
    assert "hidden" in copy and "hidden" in native
    link_field = next(field for field in page.inputs if "share-link" in field.get("class", ""))
    assert link_field["value"] == f"{BASE}/r/{public_result.pk}/"
    assert "readonly" in link_field


def test_page_has_no_inline_script_or_style(client: Client, public_result: Result) -> None:
    page = parse(client.get(page_url(public_result)).content)
    assert page.inline_scripts == []
    assert page.handlers == []
    modules = [script["src"] for script in page.scripts]
    assert static("runstrong/community/share.js") in modules
    assert all(
        script.get("type") == "module" for script in page.scripts if "share.js" in script["src"]
    )


def test_display_name_is_escaped_in_tags_and_text(client: Client, athlete: Any) -> None:
    athlete.display_name = '"><script>alert(1)</script>'
    athlete.save(update_fields=["display_name"])
    result = result_with(athlete, "public")
    response = client.get(page_url(result))
    assert b"<script>alert(1)" not in response.content
    page = parse(response.content)
    assert page.one("og:title").startswith('"><script>alert(1)</script>: ')
    assert page.inline_scripts == []


def test_capped_result_reads_cap_and_reps(client: Client, named_athlete: Any) -> None:
    result = result_with(named_athlete, "public")
    Result.objects.filter(pk=result.pk).update(capped=True, reps_at_cap=180)
    page = parse(client.get(page_url(result)).content)
    assert page.one("og:title") == "Alex Quinnell: Runner's 250 CAP + 180"


def test_owner_sees_the_public_page_with_a_way_to_their_full_result(
    athlete_client: Client, public_result: Result
) -> None:
    response = athlete_client.get(page_url(public_result))
    assert response.status_code == 200
    assert "Your full result" in parse(response.content).visible_text


def test_others_are_not_told_it_is_their_result(client: Client, public_result: Result) -> None:
    text = parse(client.get(page_url(public_result)).content).visible_text
    assert "Your full result" not in text
    assert "Cheer or comment" in text


@pytest.mark.parametrize("visibility", ["clubs", "private"])
def test_not_public_result_has_no_page_and_no_card_for_others(
    client: Client, named_athlete: Any, visibility: str
) -> None:
    result = result_with(named_athlete, visibility)
    assert client.get(page_url(result)).status_code == 404
    assert client.get(card_path(result)).status_code == 404
    assert not ShareCard.objects.exists()


@pytest.mark.parametrize("visibility", ["clubs", "private"])
def test_owner_of_a_result_that_is_not_public_gets_the_result_page(
    athlete_client: Client, athlete: Any, visibility: str
) -> None:
    result = result_with(athlete, visibility)
    response = athlete_client.get(page_url(result))
    assert response.status_code == 302
    assert response["Location"] == f"/results/{result.pk}/"
    assert athlete_client.get(card_path(result)).status_code == 404
    assert not ShareCard.objects.exists()


def test_card_drawn_while_public_is_not_served_once_private(
    client: Client, named_athlete: Any
) -> None:
    result = result_with(named_athlete, "public")
    assert client.get(card_path(result)).status_code == 200
    social.result_visibility_set(athlete=named_athlete, result_id=result.pk, visibility="private")
    assert client.get(card_path(result)).status_code == 404
    assert client.get(page_url(result)).status_code == 404
    # Nor are its bytes kept.
    assert not ShareCard.objects.filter(result=result).exists()


def cache_control(response: Any) -> dict[str, str | None]:
    """The Cache-Control directives: name → value (None for a bare directive)."""
    directives: dict[str, str | None] = {}
    for part in response["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value.strip('"') or None
    return directives


def test_a_card_made_private_leaves_shared_caches_within_its_lifetime(
    client: Client, named_athlete: Any
) -> None:
    result = result_with(named_athlete, "public")
    served = client.get(card_path(result))
    directives = cache_control(served)

    # A lifetime of minutes, for every cache, and no copy served past it.
    assert views_share.CARD_MAX_AGE_SECONDS <= 10 * 60
    assert "immutable" not in directives
    shared_lifetime = directives.get("s-maxage") or directives["max-age"]
    assert shared_lifetime is not None
    assert int(shared_lifetime) <= views_share.CARD_MAX_AGE_SECONDS
    assert int(directives["max-age"] or 0) <= views_share.CARD_MAX_AGE_SECONDS
    assert "must-revalidate" in directives
    assert not {"stale-while-revalidate", "stale-if-error"} & directives.keys()

    # Past it, a cache asks again: while public and unchanged, 304 without the image.
    again = client.get(card_path(result), HTTP_IF_NONE_MATCH=served["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == served["ETag"]
    assert again["Cache-Control"] == served["Cache-Control"]

    # Once private, the same question gets 404: the cache's copy is done.
    social.result_visibility_set(athlete=named_athlete, result_id=result.pk, visibility="private")
    gone = client.get(card_path(result), HTTP_IF_NONE_MATCH=served["ETag"])
    assert gone.status_code == 404


def test_a_redrawn_card_does_not_match_the_old_copy(client: Client, public_result: Result) -> None:
    served = client.get(card_path(public_result))
    ShareCard.objects.filter(result=public_result).update(png=b"another drawing")

    again = client.get(card_path(public_result), HTTP_IF_NONE_MATCH=served["ETag"])

    assert again.status_code == 200 and again.content == b"another drawing"
    assert again["ETag"] != served["ETag"]


def test_the_public_page_is_kept_by_no_shared_cache(client: Client, public_result: Result) -> None:
    directives = cache_control(client.get(page_url(public_result)))

    assert "private" in directives and "no-cache" in directives
    assert "public" not in directives and "immutable" not in directives


def test_a_new_display_name_redraws_the_cards(client: Client, named_athlete: Any) -> None:
    from runstrong.accounts.services import profile_update

    result = result_with(named_athlete, "public")
    before = client.get(card_path(result)).content
    profile_update(
        user=named_athlete,
        display_name="Alex Q. Renamed",
        units="km",
        sex="",
        birth_year=None,
        default_privacy="public",
    )
    assert not ShareCard.objects.exists()
    assert client.get(card_path(result)).content != before


def test_discarded_cards_are_deleted_and_redrawn_on_request(
    client: Client, named_athlete: Any, stranger: Any
) -> None:
    mine = result_with(named_athlete, "public")
    theirs = result_with(stranger, "public")
    for result in (mine, theirs):
        client.get(card_path(result))
    assert services_share.share_cards_discard(athlete_id=named_athlete.pk) == 1
    assert list(ShareCard.objects.values_list("result_id", flat=True)) == [theirs.pk]
    assert client.get(card_path(mine)).status_code == 200
    assert ShareCard.objects.count() == 2
    assert services_share.share_cards_discard(athlete_id=stranger.pk, result_id=mine.pk) == 0


def test_result_confirmed_invalid_has_no_public_page(
    client: Client, public_result: Result, django_user_model: Any
) -> None:
    moderator = django_user_model.objects.create_user("mod", "mod@example.com", "pw", is_staff=True)
    social.flag_resolve(moderator=moderator, result_id=public_result.pk, decision=social.CONFIRM)
    assert client.get(page_url(public_result)).status_code == 404
    assert client.get(card_path(public_result)).status_code == 404
    assert not ShareCard.objects.exists()


def test_flagged_result_keeps_its_public_page_until_a_moderator_decides(
    client: Client, public_result: Result
) -> None:
    Result.objects.filter(pk=public_result.pk).update(review=Review.FLAGGED)
    assert client.get(page_url(public_result)).status_code == 200


def test_service_refuses_to_draw_a_card_for_a_result_that_is_not_public(
    named_athlete: Any,
) -> None:
    result = Result.objects.select_related("program", "session", "athlete").get(
        pk=result_with(named_athlete, "clubs").pk
    )
    with pytest.raises(services_share.NotShareable):
        services_share.share_card_get_or_create(result=result)
    assert not ShareCard.objects.exists()


def test_unknown_result_is_404(client: Client, db: None) -> None:
    assert client.get("/r/999999/").status_code == 404
    assert client.get("/r/999999/card.png").status_code == 404


def test_only_reading_is_allowed(client: Client, public_result: Result) -> None:
    assert client.post(page_url(public_result)).status_code == 405
    assert client.post(card_path(public_result)).status_code == 405
    assert client.head(card_path(public_result)).status_code == 200


def test_public_page_reads_the_result_in_one_query(
    client: Client, public_result: Result, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        assert client.get(page_url(public_result)).status_code == 200


def test_stored_card_is_served_in_one_query(
    client: Client, public_result: Result, django_assert_num_queries: Any
) -> None:
    client.get(card_path(public_result))
    with django_assert_num_queries(1):
        assert client.get(card_path(public_result)).status_code == 200


@pytest.mark.parametrize(("visibility", "offered"), [("public", True), ("clubs", False)])
def test_result_page_offers_share_buttons_only_for_a_public_result(
    athlete_client: Client, athlete: Any, visibility: str, offered: bool
) -> None:
    result = result_with(athlete, visibility)
    page = parse(athlete_client.get(f"/results/{result.pk}/").content)
    facebook = [link["href"] for link in page.links if "facebook.com" in link.get("href", "")]
    expected = [
        f"https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver%2Fr%2F{result.pk}%2F"
    ]
    assert facebook == (expected if offered else [])
    assert page.open_graph() == {}  # link previews belong to the public page alone
