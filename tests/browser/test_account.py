"""An athlete's account from a phone: a new e-mail address, their data, and deleting it all."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import BrowserContext, Page

from runstrong.accounts.models import User
from tests.community.social_helpers import finished

from .helpers import log_in

pytestmark = pytest.mark.usefixtures("catalog_synced")

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PASSWORD = "correct horse battery"  # the athlete's, from tests/conftest.py


def names_on_board(page: Page) -> list[str]:
    return re.findall(r'<th scope="row"><bdi>([^<]*)</bdi></th>', page.content())


def test_change_e_mail_download_then_delete_and_be_gone_from_board_and_result_page(
    live_server: Any,
    athlete: Any,
    new_context: Callable[..., BrowserContext],
    tmp_path: Any,
) -> None:
    athlete.display_name = "Alex Runner"
    athlete.default_privacy = "public"
    athlete.save()
    result = finished(athlete, "public")
    board_url = f"{live_server.url}/boards/runners-250/?period=all"
    result_url = f"{live_server.url}/r/{result.pk}/"

    visitor = new_context(**PHONE).new_page()
    visitor.goto(board_url)
    assert "Alex Runner" in names_on_board(visitor)  # and the page is now kept
    answer = visitor.goto(result_url)
    assert answer is not None and answer.status == 200

    phone = new_context(**PHONE, accept_downloads=True)
    log_in(phone, live_server.url, athlete)
    page = phone.new_page()

    # A new e-mail address, switched to from the link sent there.
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("link", name="Change your e-mail address").click()
    page.get_by_label("New e-mail address").fill("alex.moved@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/accounts/profile/")
    assert "We sent a link to alex.moved@example.com" in page.content()
    athlete.refresh_from_db()
    assert athlete.email == "alex@example.com"
    message = mail.outbox[-1]
    assert message.to == ["alex.moved@example.com"]
    link = re.search(r"https?://\S+/accounts/email/confirm/\S+/", message.body)
    assert link is not None, message.body
    page.goto(link.group(0))
    page.get_by_role("button", name="Use this address").click()
    page.wait_for_url("**/accounts/profile/")
    assert "Your e-mail address is now alex.moved@example.com" in page.content()
    athlete.refresh_from_db()
    assert athlete.email == "alex.moved@example.com"
    assert mail.outbox[-1].to == ["alex@example.com"]  # the old address is told

    # Their data, downloaded before it goes.
    page.goto(f"{live_server.url}/accounts/me/")
    page.get_by_role("link", name="Your data").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    saved = tmp_path / "export.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "runstrong.json" in archive.namelist()

    # Deleting the account: the page says what goes, then asks for the password.
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("link", name="Delete your account").click()
    assert "Comments you wrote on other people's results" in page.content()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and everything in it").click()
    page.wait_for_url("**/accounts/deleted/")
    assert page.get_by_role("heading", name="Your account is deleted").is_visible()
    assert not User.objects.filter(pk=athlete.pk).exists()

    # Gone from the board on the very next request, and their page is not found.
    visitor.goto(board_url)
    assert "Alex Runner" not in names_on_board(visitor)
    answer = visitor.goto(result_url)
    assert answer is not None and answer.status == 404
