"""The fault suite: real Chromium (the browser tests' fixtures), the live
server in this process, and, where the server's own death matters, the real
``runstrong serve`` started and killed by the test (``served.py``)."""

from __future__ import annotations

from tests.browser.conftest import browser, context, new_context, page  # noqa: F401 (fixtures)
