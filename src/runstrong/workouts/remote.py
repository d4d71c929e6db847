"""Sending a terminal workout to a RunStrong server (``runstrong go --server URL``).

The terminal stores every event in the local database first, exactly as
without a server; this module then sends the stored log to the server's
public API (``/api/v1/``) in order, with the rules the live page's
``session/sync.js`` follows:

* The server's session has the local session's id, so creating it again, or
  sending an event it already holds, changes nothing: whenever the outcome of
  a request is unknown (timeout, reset connection, this process killed), the
  same events are simply sent again.
* Network errors and 5xx answers are retried with exponential backoff and
  full jitter, capped at 30 s; a 429 waits for its ``Retry-After``.
* A 409 ``sequence`` that names an ``expected_seq`` at or below the first event
  sent means the server holds fewer events than this process thought: carry on
  from there. One above it means the server holds a different event at a
  position it has: the two logs differ, and sending stops.
* A refusal that retrying cannot change (a bad or read-only token, a program
  the server does not have, an event its engine refuses) stops the sending
  with a sentence; the local log keeps everything.
* The server keeps its own history, so its rotation may pick another exercise
  than this terminal's would. A new session is made on the server first
  (``session_open``) and the terminal takes that plan. A session made here
  while the server was out of reach was done on this terminal's pick: the
  sender creates it there with that pick (``picks``), so the record says what
  was done. It is still sent only if the server then plans it the same
  (``plan_differences``): another catalog there (an exercise it does not know,
  other reps) is never recorded as another workout.

Only the standard library (``urllib``, ``threading``): a request a second at
most needs no HTTP package, and the CLI gains no dependency. Nothing here
touches the database: the terminal hands the sender each event it stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from runstrong.workouts import engine

BATCH = 100  # events per request; the server takes up to 500
REQUEST_TIMEOUT_S = 15.0
BACKOFF_FIRST_S = 1.0
BACKOFF_CAP_S = 30.0
RETRY_AFTER_CAP_S = 120.0
# 409s in a row that move nothing forward before the sender gives up.
MAX_FRUITLESS_CONFLICTS = 3
TOKEN_ENV = "RUNSTRONG_TOKEN"  # noqa: S105 - the variable's name, no secret


# ---------------------------------------------------------------------------
# Addresses and tokens.


class ServerError(Exception):
    """A server that could not be used, as one sentence for the athlete."""


class Unreachable(ServerError):
    """No answer: the network, a wrong address, a server that is down."""


class Refused(ServerError):
    """An answer that says no, and retrying will not change: its code and message."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(f"{answer.status} {answer.code or 'refused'}: {answer.message}")
        self.answer = answer


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # the decoded JSON, or None when the answer was not JSON
    retry_after: float | None = None

    @property
    def code(self) -> str:
        return str(self.body.get("code", "")) if isinstance(self.body, dict) else ""

    @property
    def field(self) -> str:
        return str(self.body.get("field") or "") if isinstance(self.body, dict) else ""

    @property
    def message(self) -> str:
        if isinstance(self.body, dict) and self.body.get("message"):
            return str(self.body["message"])
        return f"HTTP {self.status}"


def server_url(text: str) -> str:
    """The site's address as typed, checked, without a trailing slash (or ``/api/v1``)."""
    url = text.strip().rstrip("/")
    url = re.sub(r"/api/v1$", "", url)
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        raise ServerError(f"{text!r} is not a server address like https://runstrong.example")
    return url


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "runstrong"


def tokens_path() -> Path:
    return config_dir() / "tokens.json"


def _tokens_read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ServerError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise ServerError(f"{path} is not a map of server addresses to tokens")
    return {str(url): str(token) for url, token in data.items()}


def _tokens_write(path: Path, tokens: Mapping[str, str]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    spare = path.with_name(f".{path.name}.{os.getpid()}")
    # Made 0600 from the start (never readable by others, even a moment),
    # then renamed over the old file so a crash leaves one or the other.
    descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(dict(tokens), out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(spare, 0o600)
        os.replace(spare, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(spare)


def token_save(url: str, token: str) -> Path:
    path = tokens_path()
    tokens = _tokens_read(path)
    tokens[url] = token
    _tokens_write(path, tokens)
    return path


def token_remove(url: str) -> bool:
    path = tokens_path()
    tokens = _tokens_read(path)
    if url not in tokens:
        return False
    del tokens[url]
    _tokens_write(path, tokens)
    return True


def token_for(url: str) -> str | None:
    """``RUNSTRONG_TOKEN`` if set, else the token ``runstrong login URL`` stored."""
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        return from_env
    return _tokens_read(tokens_path()).get(url)


class Client:
    """JSON requests to one server's ``/api/v1/`` with one token."""

    def __init__(self, url: str, token: str, *, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.url = url
        self.api = f"{url}/api/v1"
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Answer:
        """One JSON request; raises Unreachable when no HTTP answer came back."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        return self.request_bytes(method, path, data, "application/json")

    def request_bytes(
        self, method: str, path: str, data: bytes | None, content_type: str
    ) -> Answer:
        """One request with a body of any type (a multipart upload, say)."""
        request = urllib.request.Request(  # noqa: S310 - the address is checked http(s)
            self.api + path, data=data, method=method
        )
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return _answer(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as error:
            with error:
                return _answer(error.code, error.read(), error.headers)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            raise Unreachable(f"cannot reach {self.url}: {reason}") from None


def _answer(status: int, raw: bytes, headers: Any) -> Answer:
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        body = None  # a proxy's HTML error page, say
    retry_after = None
    with contextlib.suppress(TypeError, ValueError):
        retry_after = float(headers.get("Retry-After"))
    return Answer(status, body, retry_after)


def check_token(client: Client, *, write: bool = False) -> dict[str, Any]:
    """``GET /me`` with the token: the profile, or a ServerError saying what is wrong."""
    answer = client.request("GET", "/me")
    if answer.status == 401:
        raise ServerError(
            f"{client.url} refused the token ({answer.message}): make one on your profile page "
            "there, then `runstrong login URL` or set RUNSTRONG_TOKEN"
        )
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise ServerError(f"{client.url} answered {answer.status}: {answer.message}")
    if write and answer.body.get("scope") != "write":
        raise ServerError(
            f"this token may only read on {client.url}: make one that may read and write"
        )
    return answer.body


# ---------------------------------------------------------------------------
# The sender.


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status line says: events stored here, held by the server, and why not."""

    local: int
    sent: int
    failing: bool = False
    problem: str | None = None  # set: sending has stopped for good
    retry_in: float | None = None

    @property
    def waiting(self) -> int:
        return max(0, self.local - self.sent)

    def text(self) -> str:
        if self.problem:
            return f"server: not sending ({self.problem}); {self.waiting} kept here"
        if self.failing:
            when = f", retrying in {self.retry_in:.0f} s" if self.retry_in else ""
            return f"server: failing, {self.waiting} waiting{when}"
        if self.waiting:
            return f"server: {self.waiting} waiting, {self.sent} sent"
        return f"server: all {self.sent} sent"


def session_create_body(
    session_id: UUID | str, plan: engine.SessionPlan, rotating: Collection[str] = ()
) -> dict[str, Any]:
    """``POST /sessions`` for a session made here: its id, program, this terminal's
    rotation pick for each ``rotating`` slot (``picks``), and how it was scaled.

    The sender posts it only when the server does not hold the session yet (it was
    started while the server was out of reach): the exercise done is this pick."""
    body: dict[str, Any] = {"id": str(session_id), "program": plan.program}
    picks = {slot.key: slot.prescribed_exercise for slot in plan.slots if slot.key in rotating}
    if picks:
        body["picks"] = picks
    if plan.scaled:
        body["mode"] = "scaled"
        body["swaps"] = {slot.key: slot.exercise for slot in plan.slots if slot.swapped}
        body["reps"] = {
            slot.key: slot.reps for slot in plan.slots if slot.reps < slot.prescribed_reps
        }
    return body


def session_request(
    session_id: UUID | str,
    program: str,
    *,
    swaps: Mapping[str, str] | None = None,
    reps: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """``POST /sessions`` for a session not made here yet: the server resolves the
    rotation, and the runner's scaling goes on top of its pick."""
    body: dict[str, Any] = {"id": str(session_id), "program": program}
    if swaps or reps:
        body.update(mode="scaled", swaps=dict(swaps or {}), reps=dict(reps or {}))
    return body


def session_open(client: Client, body: Mapping[str, Any]) -> dict[str, Any]:
    """Make the session on the server before the workout; its answer, with the plan the
    server resolved (its rotation, from the athlete's history there).

    Raises Unreachable when no usable answer came (network, 5xx, 429, not JSON)
    and Refused for a refusal (``plan``: the scaling does not fit its pick).
    """
    answer = client.request("POST", "/sessions", dict(body))
    if (
        answer.status in (200, 201)
        and isinstance(answer.body, dict)
        and isinstance(answer.body.get("plan"), dict)
    ):
        return answer.body
    if answer.status >= 500 or answer.status == 429 or answer.body is None:
        raise Unreachable(f"{client.url} answered {answer.status}: {answer.message}")
    raise Refused(answer)


def session_abandon_empty(client: Client, session_id: UUID | str) -> None:
    """Abandon a session the server made but will get no events for (its plan is not
    this terminal's), so the site does not offer it to resume. Best effort: a session
    that holds events already refuses it (409), and no answer changes nothing."""
    event = {"seq": 0, "type": "abandon", "at": int(time.time() * 1000)}
    with contextlib.suppress(ServerError):
        client.request("POST", f"/sessions/{session_id}/events", {"events": [event]})


# What makes two plans the same workout: the exercise and reps of each slot, as
# done and as prescribed (names and plausibility floors may be worded or tuned
# differently on another install; they do not change what was done).
_SLOT_FIELDS = ("key", "exercise", "reps", "prescribed_exercise", "prescribed_reps")


def plan_differences(here: Mapping[str, Any], there: Mapping[str, Any]) -> list[str]:
    """How the server's plan of a session (``there``) differs from this terminal's, one
    phrase each ("core: sit-up there, mountain-climber here"); empty: the same workout."""
    differences: list[str] = []
    for name in ("program", "time_cap_ms"):
        if here.get(name) != there.get(name):
            differences.append(f"{name}: {there.get(name)} there, {here.get(name)} here")
    slots_here = list(here.get("slots") or [])
    slots_there = list(there.get("slots") or [])
    if len(slots_here) != len(slots_there):
        differences.append(f"{len(slots_there)} slots there, {len(slots_here)} here")
        return differences
    for slot_here, slot_there in zip(slots_here, slots_there, strict=True):
        key = slot_here.get("key")
        for name in _SLOT_FIELDS:
            if slot_here.get(name) != slot_there.get(name):
                what = "" if name in ("exercise", "key") else f" {name.replace('_', ' ')}"
                differences.append(
                    f"{key}{what}: {slot_there.get(name)} there, {slot_here.get(name)} here"
                )
                break  # one phrase a slot is enough to say why
    return differences


def backoff_delay(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Full jitter on an exponential step, as the browser does."""
    step = min(BACKOFF_CAP_S, BACKOFF_FIRST_S * 2.0 ** min(attempt, 16))
    return step / 2 + rand() * (step / 2)


@dataclass
class Sender:
    """Sends one session's events to the server; ``step`` is one request.

    ``events`` is the local log as event dicts, in order; the terminal adds to
    it with ``push`` as it stores them. Run ``step`` in a loop (``run`` does,
    on a thread) until it says the server holds everything.
    """

    client: Client
    session_id: str
    create_body: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    # The local session's plan: sending stops if the server's differs.
    plan: Mapping[str, Any] | None = None
    batch: int = BATCH
    rand: Callable[[], float] = random.random
    server_count: int | None = None  # None: not asked yet
    attempt: int = 0
    conflicts: int = 0
    problem: str | None = None
    failing: bool = False
    retry_in: float | None = None
    _lock: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _stopping: bool = False

    # -- what the terminal calls ------------------------------------------

    def push(self, seq: int, event: Mapping[str, Any]) -> None:
        """The event stored locally at ``seq``: send it."""
        with self._lock:
            del self.events[seq:]
            self.events.append(dict(event))
            self._lock.notify_all()

    def replace(self, events: Sequence[Mapping[str, Any]]) -> None:
        """The local log as it now stands (another process wrote to it)."""
        with self._lock:
            self.events = [dict(event) for event in events]
            self._lock.notify_all()

    def status(self) -> SyncStatus:
        with self._lock:
            return SyncStatus(
                local=len(self.events),
                sent=self.server_count or 0,
                failing=self.failing,
                problem=self.problem,
                retry_in=self.retry_in,
            )

    def _unsent(self) -> bool:
        return (
            self.problem is None
            and self.server_count is not None
            and self.server_count < len(self.events)
        )

    @property
    def done(self) -> bool:
        with self._lock:
            return self.server_count is not None and self.server_count >= len(self.events)

    # -- one request ------------------------------------------------------

    def step(self) -> float | None:
        """Make one request. Returns None when there is nothing to send (or sending
        has stopped), 0 to go on at once, else seconds to wait before trying again."""
        if self.problem:
            return None
        try:
            if self.server_count is None:
                return self._look()
            with self._lock:
                start = self.server_count
                batch = [
                    {"seq": start + index, **event}
                    for index, event in enumerate(self.events[start : start + self.batch])
                ]
            if not batch:
                return None
            return self._send(start, batch)
        except Unreachable:
            return self._retry(None)

    def _look(self) -> float | None:
        """How many events the server holds; make its session if it has none."""
        answer = self.client.request("GET", f"/sessions/{self.session_id}")
        if answer.status == 404:
            # Started here while the server was out of reach: made there with this
            # terminal's picks, and the plan it makes checked against this one below.
            answer = self.client.request("POST", "/sessions", self.create_body)
            if answer.status == 422 and answer.field == "picks" and "picks" in self.create_body:
                # A server from before ``picks``: it resolves the rotation itself.
                bare = {name: value for name, value in self.create_body.items() if name != "picks"}
                answer = self.client.request("POST", "/sessions", bare)
            if answer.status == 422 and answer.code == "plan":
                # Its catalog cannot give this plan (a pick not in its pool, say).
                return self._stop(
                    f"the server plans this session differently (it says: {answer.message}); "
                    "kept here only"
                )
        if answer.status in (200, 201) and isinstance(answer.body, dict):
            there = answer.body.get("plan")
            if self.plan is not None and isinstance(there, Mapping):
                differences = plan_differences(self.plan, there)
                if differences:
                    if answer.status == 201:
                        session_abandon_empty(self.client, self.session_id)
                    return self._stop(
                        "the server plans this session differently: "
                        + "; ".join(differences)
                        + "; kept here only"
                    )
            return self._held(int(answer.body.get("event_count", 0)))
        if answer.status == 409 and answer.code == "id_taken":
            return self._stop("the server has another session with this id")
        return self._refused(answer)

    def _send(self, start: int, batch: list[dict[str, Any]]) -> float | None:
        answer = self.client.request(
            "POST", f"/sessions/{self.session_id}/events", {"events": batch}
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status == 200 and "stored" in body:
            self.batch = BATCH
            self.conflicts = 0
            return self._held(int(body["stored"]))
        if answer.status == 409 and answer.code == "sequence":
            expected = body.get("expected_seq")
            if not isinstance(expected, int):
                self.server_count = None  # ask again
                return 0
            if expected > start:
                # Exact resends are taken: a refusal below what the server holds
                # is an event stored there as a different one.
                return self._stop("the server's log of this session differs from this one")
            self.conflicts += 1
            if self.conflicts >= MAX_FRUITLESS_CONFLICTS:
                return self._stop("the server keeps refusing this session's next event")
            return self._held(expected)
        if answer.status == 413 and self.batch > 1:
            self.batch = max(1, self.batch // 2)
            return 0
        return self._refused(answer)

    def _held(self, count: int) -> float | None:
        with self._lock:
            self.server_count = count
            self.attempt = 0
            self.failing = False
            self.retry_in = None
            if count > len(self.events):
                self.problem = "the server holds events this terminal never stored"
                return None
            return 0 if count < len(self.events) else None

    def _refused(self, answer: Answer) -> float | None:
        if answer.status == 429:
            return self._retry(min(answer.retry_after or BACKOFF_FIRST_S, RETRY_AFTER_CAP_S))
        if answer.status >= 500 or answer.body is None:
            # 5xx, or a proxy's page in the way: the server may be back in a moment.
            return self._retry(None)
        if answer.status == 401:
            return self._stop(f"the token is refused: {answer.message}")
        if answer.status == 403:
            return self._stop(answer.message)
        if answer.status == 404:
            return self._stop("the server has no such session for this token's account")
        return self._stop(f"{answer.status} {answer.code}: {answer.message}")

    def _retry(self, delay: float | None) -> float:
        with self._lock:
            if delay is None:
                delay = backoff_delay(self.attempt, self.rand)
            self.attempt += 1
            self.failing = True
            self.retry_in = delay
            return delay

    def _stop(self, problem: str) -> float | None:
        with self._lock:
            self.problem = problem
            self.failing = True
            self._lock.notify_all()
        return None

    # -- on a thread -------------------------------------------------------

    def run(self) -> None:
        """Send until stopped: at once when there is something new, else after the delay."""
        while True:
            delay = self.step()
            with self._lock:
                if self._stopping:
                    return
                if delay == 0 or (delay is None and self._unsent()):
                    continue  # an event pushed while the request was out
                # Woken early by a new event, or ``stop``/``kick``.
                self._lock.wait(timeout=delay)
                if self._stopping:
                    return

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="runstrong-sender", daemon=True)
        thread.start()
        return thread

    def kick(self) -> None:
        """Try again now (the athlete is waiting for the last events to go)."""
        with self._lock:
            self.attempt = 0
            self._lock.notify_all()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()

    def wait_sent(
        self, timeout: float, on_tick: Callable[[SyncStatus], None] | None = None
    ) -> bool:
        """Wait up to ``timeout`` s for the server to hold every event; True if it does."""
        deadline = time.monotonic() + timeout
        while not self.done and not self.problem:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.2, left))
        return self.done


def event_dicts(events: Sequence[engine.Event]) -> list[dict[str, Any]]:
    return [event.to_dict() for event in events]
