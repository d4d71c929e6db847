"""The fault suite: real Chromium (the browser tests' fixtures), the live
server in this process, and, where the server's own death matters, the real
``runstrong serve`` started and killed by the test (``served.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import browser, context, new_context, page  # noqa: F401 (fixtures)
from tests.conftest import runstrong_env

from .served import Served, serving


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``runstrong serve`` of this test's own, on a fresh data folder (and a
    fresh PostgreSQL database when the suite runs on PostgreSQL)."""
    with runstrong_env(tmp_path / "data") as env, serving(env, tmp_path) as site:
        yield site
