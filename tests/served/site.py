"""A plain HTTP client for the served site: cookies, CSRF, no redirects followed.

The standard library is enough: the point is to ask the real server what a
browser would ask, and read the status, headers and body it answers.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        request = urllib.request.Request(  # noqa: S310 (our own server, on loopback)
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self._opener.open(request, timeout=60) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name == "csrftoken" and cookie.value:
                return cookie.value
        # Any page with a form sets the cookie.
        self.get("/accounts/log-in/")
        return next(c.value for c in self.cookies if c.name == "csrftoken" and c.value)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf_token(), **fields})
        return self.request(
            "POST",
            path,
            body=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base_url + path,
            },
        )

    def log_in(self, email: str, password: str) -> None:
        answer = self.post_form("/accounts/log-in/", {"username": email, "password": password})
        assert answer.status == 302, f"log-in failed: {answer.status} {answer.text[:500]}"
        assert any(cookie.name == "sessionid" for cookie in self.cookies)


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)
