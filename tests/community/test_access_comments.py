"""The pure rules for who may edit and delete a comment (community/access.py)."""

from __future__ import annotations

import pytest

from runstrong.community import access

AUTHOR, OWNER, OTHER = 1, 2, 3


@pytest.mark.parametrize(
    ("viewer", "allowed"), [(AUTHOR, True), (OWNER, False), (OTHER, False), (None, False)]
)
def test_only_the_author_edits_a_comment(viewer: int | None, allowed: bool) -> None:
    assert access.may_edit_comment(viewer_id=viewer, author_id=AUTHOR) is allowed


@pytest.mark.parametrize(
    ("viewer", "admin_of_owner", "allowed"),
    [
        (AUTHOR, False, True),
        (OWNER, False, True),
        (OTHER, False, False),
        (OTHER, True, True),  # an admin of a club the owner is in
        (None, True, False),
    ],
)
def test_the_author_the_owner_or_a_club_admin_deletes_a_comment(
    viewer: int | None, admin_of_owner: bool, allowed: bool
) -> None:
    assert (
        access.may_delete_comment(
            viewer_id=viewer, author_id=AUTHOR, owner_id=OWNER, admin_of_owner=admin_of_owner
        )
        is allowed
    )
