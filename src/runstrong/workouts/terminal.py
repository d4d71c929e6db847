"""``runstrong go``: a guided workout, full screen in the terminal, and result printouts.

The first half of this module is pure (the block-digit font, the key decoder,
the keypad state machine, the lines each screen shows, the best-time
comparison) so it is tested without a terminal or a database. The second half
does the I/O: raw key reading, the rich ``Live`` screen, and the writes.

Every event goes through ``services.session_append`` before the screen shows
its effect, so killing the process mid-set loses nothing that was shown:
``runstrong go --resume`` folds the stored log and carries on from there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import select
import signal
import sys
import termios
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, NoReturn
from uuid import uuid4

from django.db import DatabaseError
from django.utils import timezone
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from runstrong.accounts.models import User
from runstrong.workouts import catalog, engine, remote, selectors, services
from runstrong.workouts.formatting import format_delta, format_duration
from runstrong.workouts.models import Program, Result, WorkoutSession


@dataclass(frozen=True, slots=True)
class GoOptions:
    program: str | None
    resume: bool
    set_size: int
    lead_in: int
    swaps: dict[str, str] = field(default_factory=dict)
    reps: dict[str, int] = field(default_factory=dict)
    # --server: the events also go there, after the local database (remote.py).
    server: remote.Client | None = None
    send_wait: float = 30.0  # seconds to wait at the end for the last events to go


# ---------------------------------------------------------------------------
# Big digits: a 3×5 pixel font, each pixel drawn two cells wide so the glyphs
# look square in a terminal whose cells are about twice as tall as wide.

_FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "# #", "# #", "# #", "###"),
    "1": (" # ", "## ", " # ", " # ", "###"),
    "2": ("###", "  #", "###", "#  ", "###"),
    "3": ("###", "  #", " ##", "  #", "###"),
    "4": ("# #", "# #", "###", "  #", "  #"),
    "5": ("###", "#  ", "###", "  #", "###"),
    "6": ("###", "#  ", "###", "# #", "###"),
    "7": ("###", "  #", "  #", "  #", "  #"),
    "8": ("###", "# #", "###", "# #", "###"),
    "9": ("###", "# #", "###", "  #", "###"),
    ":": (" ", "#", " ", "#", " "),
    ".": (" ", " ", " ", " ", "#"),
    "-": ("   ", "   ", "###", "   ", "   "),
    " ": ("  ", "  ", "  ", "  ", "  "),
}
BIG_HEIGHT = 5
_PIXEL = "██"
_GAP = " "


def big_text(text: str) -> tuple[str, ...]:
    """``text`` (digits, ``:``, ``.``, ``-``, space) as five rows of block characters."""
    unknown = sorted(set(text) - set(_FONT))
    if unknown:
        raise ValueError(f"the big font has no glyph for {''.join(unknown)!r}")
    rows: list[str] = []
    for row in range(BIG_HEIGHT):
        glyphs = (
            "".join(_PIXEL if mark == "#" else " " * len(_PIXEL) for mark in _FONT[char][row])
            for char in text
        )
        rows.append(_GAP.join(glyphs))
    return tuple(rows)


def progress_bar(done: int, total: int, width: int) -> str:
    """A text bar ``width`` cells wide, filled in proportion to ``done`` of ``total``."""
    filled = width if total <= 0 else round(width * max(0, min(done, total)) / total)
    return "█" * filled + "░" * (width - filled)


# ---------------------------------------------------------------------------
# Keys: raw terminal input decoded into names, then a small state machine.

ENTER = "enter"
BACKSPACE = "backspace"
ESCAPE = "escape"
CTRL_C = "ctrl-c"
DIGITS = "0123456789"
MAX_TYPED_DIGITS = 4  # no slot has more than 1000 reps
KEY_HELP = (
    "Enter logs a set · digits then Enter log that many · Backspace edits · "
    "u undo · p pause/resume · q quit"
)


def decode_keys(data: str) -> list[str]:
    """Split raw terminal input into key names.

    Escape sequences (arrows, function keys) are dropped whole so their bytes
    never read as letters; ``\\r\\n`` counts as one Enter, whatever the
    terminal's line discipline sends.
    """
    keys: list[str] = []
    position = 0
    while position < len(data):
        char = data[position]
        position += 1
        if char == "\x1b":
            if position < len(data) and data[position] in "[O":
                position += 1
                while position < len(data) and not "@" <= data[position] <= "~":
                    position += 1
                position += 1  # the sequence's final byte
            else:
                keys.append(ESCAPE)
        elif char == "\r":
            keys.append(ENTER)
            if data[position : position + 1] == "\n":
                position += 1
        elif char == "\n":
            keys.append(ENTER)
        elif char in "\x7f\x08":
            keys.append(BACKSPACE)
        elif char == "\x03":
            keys.append(CTRL_C)
        elif char.isprintable():
            keys.append(char)
    return keys


@dataclass(frozen=True, slots=True)
class Keypad:
    """What the athlete has typed but not yet sent, and whether quitting awaits y/n."""

    typed: str = ""
    confirming_quit: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """A request to append one event: ``reps`` (``n`` of them), ``undo``, ``pause``, ``resume``
    or ``abandon``."""

    kind: str
    n: int = 0


@dataclass(frozen=True, slots=True)
class Notice:
    """The one-line message under the input line."""

    text: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class KeyOutcome:
    keypad: Keypad
    action: Action | None = None
    notice: Notice | None = None


def press(keypad: Keypad, key: str, *, reps_left: int, set_size: int, paused: bool) -> KeyOutcome:
    """Apply one key to the keypad. Pure: the caller appends any action's event."""
    if keypad.confirming_quit:
        if key in ("y", "Y"):
            return KeyOutcome(Keypad(), Action("abandon"))
        if key in ("n", "N", ESCAPE):
            return KeyOutcome(Keypad(), notice=Notice("carrying on"))
        # Anything else leaves the question up: a stray key must not decide it.
        return KeyOutcome(keypad)
    if key in ("q", "Q", CTRL_C):
        return KeyOutcome(Keypad(confirming_quit=True))
    if key in DIGITS:
        if len(keypad.typed) >= MAX_TYPED_DIGITS:
            return KeyOutcome(keypad, notice=Notice("that is already plenty of digits", error=True))
        return KeyOutcome(dataclasses.replace(keypad, typed=keypad.typed + key))
    if key == BACKSPACE:
        return KeyOutcome(dataclasses.replace(keypad, typed=keypad.typed[:-1]))
    if key == ESCAPE:
        return KeyOutcome(Keypad())
    if key == ENTER:
        return _press_enter(keypad, reps_left=reps_left, set_size=set_size, paused=paused)
    if key in ("u", "U"):
        return KeyOutcome(Keypad(), Action("undo"))
    if key in ("p", "P"):
        return KeyOutcome(keypad, Action("resume" if paused else "pause"))
    return KeyOutcome(keypad, notice=Notice(f"keys: {KEY_HELP}"))


def _press_enter(keypad: Keypad, *, reps_left: int, set_size: int, paused: bool) -> KeyOutcome:
    if paused:
        # Keep the digits: the athlete will want them once they resume.
        return KeyOutcome(
            keypad, notice=Notice("paused: press p to resume before logging reps", error=True)
        )
    if reps_left <= 0:
        return KeyOutcome(Keypad())
    if not keypad.typed:
        return KeyOutcome(keypad, Action("reps", min(set_size, reps_left)))
    wanted = int(keypad.typed)
    if wanted == 0:
        return KeyOutcome(
            Keypad(), notice=Notice("0 reps: type how many you did, then Enter", error=True)
        )
    if wanted > reps_left:
        return KeyOutcome(
            Keypad(),
            notice=Notice(
                f"{wanted} is more than the {reps_left} left in this slot: nothing logged",
                error=True,
            ),
        )
    return KeyOutcome(Keypad(), Action("reps", wanted))


# ---------------------------------------------------------------------------
# What the screens show, as (text, rich style) lines.

Line = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Screen:
    """What stays the same for a whole session: names, cues, the intro lines."""

    program_name: str
    exercises: Mapping[str, catalog.Exercise]
    intro: tuple[str, ...] = ()
    set_size: int = 10


_STATUS_WORDS = {
    engine.Status.READY: "get ready",
    engine.Status.RUNNING: "running",
    engine.Status.PAUSED: "PAUSED: the clock is stopped",
    engine.Status.COMPLETE: "every rep done",
    engine.Status.FINISHED: "finished",
    engine.Status.ABANDONED: "abandoned",
}
BAR_WIDTH = 30


def clock_text(active_ms: int) -> str:
    """The big clock's text: whole seconds, as the athlete reads a stopwatch."""
    return format_duration(active_ms)


def header_line(screen: Screen, state: engine.State, now: int) -> Line:
    parts = [
        f"RunStrong · {screen.program_name}",
        _STATUS_WORDS[state.status],
        f"clock {format_duration(state.active_ms(now), tenths=True)}",
    ]
    cap_at = state.cap_at()
    if cap_at is not None and state.ended_at is None:
        parts.append(f"cap in {format_duration(max(0, cap_at - now))}")
    return " · ".join(parts), "bold reverse"


def _exercise_lines(screen: Screen, slot: engine.SlotPlan) -> list[Line]:
    exercise = screen.exercises.get(slot.exercise)
    if exercise is None:
        return []
    lines: list[Line] = [(f"  • {cue}", "") for cue in exercise.cues]
    if exercise.muscles:
        lines.append((f"  muscles: {', '.join(exercise.muscles)}", "dim"))
    return lines


def _slot_line(state: engine.State, position: int, name_width: int) -> Line:
    slot = state.plan.slots[position]
    done = state.reps_done[position]
    current = state.current_slot
    marker = "✓" if done >= slot.reps else "▶" if position == current else " "
    text = (
        f"{marker} {slot.key:<8} {slot.exercise_name:<{name_width}} "
        f"{progress_bar(done, slot.reps, BAR_WIDTH)} {done:>4}/{slot.reps}"
    )
    style = "bold" if position == current else "dim" if done >= slot.reps else ""
    return text, style


def progress_lines(state: engine.State) -> list[Line]:
    """One bar per slot, then one for the whole workout."""
    plan = state.plan
    name_width = max(len(slot.exercise_name) for slot in plan.slots)
    lines = [_slot_line(state, position, name_width) for position in range(len(plan.slots))]
    total = (
        f"  {'total':<8} {'':<{name_width}} "
        f"{progress_bar(state.reps_total, plan.reps_target, BAR_WIDTH)} "
        f"{state.reps_total:>4}/{plan.reps_target}"
    )
    lines.append((total, "bold"))
    return lines


def input_line(keypad: Keypad, state: engine.State, set_size: int) -> Line:
    if keypad.confirming_quit:
        return "Abandon this session? y/n", "bold red"
    if keypad.typed:
        return f"reps: {keypad.typed}_   (Enter logs them · Backspace edits)", "bold cyan"
    if state.status is engine.Status.PAUSED:
        return "paused · p resumes the clock", "yellow"
    left = state.reps_left_in_slot
    if left <= 0:
        return "", ""
    return f"Enter logs {min(set_size, left)} · or type a number, then Enter", "cyan"


def session_lines(
    screen: Screen, state: engine.State, now: int, keypad: Keypad, notice: Notice | None
) -> list[Line]:
    """Everything the session screen shows at wall time ``now`` (ms)."""
    lines: list[Line] = [header_line(screen, state, now)]
    lines += [(text, "dim") for text in screen.intro]
    lines.append(("", ""))
    clock_style = "bold yellow" if state.paused_now else "bold green"
    lines += [(row, clock_style) for row in big_text(clock_text(state.active_ms(now)))]
    lines.append(("", ""))
    current = state.current_slot
    slots = state.plan.slots
    if current is None:
        lines.append(("Every rep done.", "bold green"))
    else:
        slot = slots[current]
        done = state.reps_done[current]
        lines.append((f"{current + 1}/{len(slots)}  {slot.exercise_name}", "bold"))
        lines += _exercise_lines(screen, slot)
        upcoming = slots[current + 1].exercise_name if current + 1 < len(slots) else "the finish"
        lines.append((f"  next: {upcoming}", "dim"))
        lines.append(("", ""))
        lines.append((f"{slot.key}: {done} done · {slot.reps - done} left of {slot.reps}", "bold"))
    lines.append(input_line(keypad, state, screen.set_size))
    if notice is None:
        lines.append(("", ""))
    else:
        lines.append((notice.text, "bold red" if notice.error else "green"))
    lines.append(("", ""))
    lines += progress_lines(state)
    lines.append(("", ""))
    lines.append((KEY_HELP, "dim"))
    return lines


def lead_in_lines(screen: Screen, state: engine.State, seconds_left: int) -> list[Line]:
    """The countdown screen before the clock starts."""
    first = state.plan.slots[0]
    lines: list[Line] = [
        (f"RunStrong · {screen.program_name} · starting in {seconds_left}", "bold reverse")
    ]
    lines += [(text, "dim") for text in screen.intro]
    lines.append(("", ""))
    lines += [(row, "bold yellow") for row in big_text(str(seconds_left))]
    lines.append(("", ""))
    lines.append((f"First: {first.exercise_name}, {first.reps} reps", "bold"))
    lines += _exercise_lines(screen, first)
    lines.append(("", ""))
    lines.append(("q cancels before the clock starts", "dim"))
    return lines


def action_notice(action: Action, before: engine.State, after: engine.State) -> Notice:
    """The line that confirms an event was stored, e.g. ``logged 25 · core 25/50``."""
    if action.kind == "reps":
        position = before.current_slot or 0
        return Notice(f"logged {action.n} · {_slot_count(after, position)}")
    if action.kind == "undo":
        undone = before.sets[-1]
        return Notice(f"undid {undone.n} · {_slot_count(after, undone.slot)}")
    if action.kind == "pause":
        return Notice("paused · the clock is stopped")
    if action.kind == "resume":
        return Notice("resumed · the clock is running")
    return Notice(action.kind)


def _slot_count(state: engine.State, position: int) -> str:
    slot = state.plan.slots[position]
    return f"{slot.key} {state.reps_done[position]}/{slot.reps}"


def finish_due(state: engine.State, now: int) -> bool:
    """Whether ``finish`` should be appended without a key press.

    When the last rep is logged the finish follows at once; a session resumed
    with every rep done but no finish stored (killed in between) gets it here,
    as does one whose time cap has passed.
    """
    if state.status is engine.Status.COMPLETE:
        return True
    cap_at = state.cap_at()
    return state.status is engine.Status.RUNNING and cap_at is not None and now >= cap_at


def best_comparison(total_ms: int, previous_best_ms: int | None, *, capped: bool) -> str:
    """How a result compares with the athlete's best before it."""
    if capped:
        return "Capped results are not compared with your best."
    if previous_best_ms is None:
        return "Your first result done this way: your best so far."
    delta = total_ms - previous_best_ms
    best = format_duration(previous_best_ms, tenths=True)
    if delta < 0:
        return f"New personal best by {_delta(-delta)} (previous best {best})."
    if delta == 0:
        return f"Equal to your best, {best}."
    return f"+{_delta(delta)} slower than your best {best}."


def _delta(ms: int) -> str:
    """A positive difference; tenths only when whole seconds would read as 0:00."""
    return format_delta(ms)[1:] if ms >= 1000 else format_duration(ms, tenths=True)


# ---------------------------------------------------------------------------
# The result printout (end of ``go`` and ``runstrong show``).


def result_flags(result: Result) -> list[str]:
    flags: list[str] = []
    if result.manual:
        flags.append("manual: logged by hand afterwards, so it stays off the boards")
    if result.scaled:
        flags.append("scaled: " + "; ".join(result.scaled_how) if result.scaled_how else "scaled")
    if result.capped:
        flags.append(f"time cap reached at {result.reps_at_cap} reps")
    if result.unverified:
        flags.append("unverified: " + "; ".join(result.unverified_why))
    return flags


def print_result(result: Result, console: Console) -> None:
    """A result in full: per-slot splits and rests, totals, flags, and the best-time comparison."""
    slots: Sequence[Mapping[str, Any]] = result.session.plan["slots"]
    started = timezone.localtime(result.started_at).strftime("%Y-%m-%d %H:%M")
    console.print(
        f"[bold]{escape(result.program.name)}[/] · result {result.pk} · {started} · "
        f"[bold]{format_duration(result.total_ms, tenths=True)}[/]"
    )
    table = Table(box=None, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("slot")
    table.add_column("exercise")
    table.add_column("reps", justify="right")
    table.add_column("split", justify="right")
    table.add_column("rest before", justify="right")
    for position, slot in enumerate(slots):
        done = result.reps_done[position] if position < len(result.reps_done) else 0
        split = result.splits_ms[position] if position < len(result.splits_ms) else None
        rest = result.rests_ms[position] if position < len(result.rests_ms) else None
        table.add_row(
            str(position + 1),
            str(slot["key"]),
            str(slot["exercise_name"]),
            f"{done}/{slot['reps']}",
            format_duration(split, tenths=True),
            format_duration(rest, tenths=True),
        )
    target = sum(int(slot["reps"]) for slot in slots)
    table.add_row(
        "", "[bold]total[/]", "", f"[bold]{result.reps_total}/{target}[/]",
        f"[bold]{format_duration(result.total_ms, tenths=True)}[/]", "",
    )  # fmt: skip
    console.print(table)
    console.print(
        f"time {format_duration(result.total_ms, tenths=True)} · "
        f"elapsed {format_duration(result.elapsed_ms, tenths=True)} · "
        f"paused {format_duration(result.paused_ms, tenths=True)} · "
        f"rests {format_duration(sum(result.rests_ms), tenths=True)} · "
        f"{result.reps_per_minute:.1f} reps/min",
        markup=False,
    )
    for flag in result_flags(result):
        console.print(f"flag: {flag}", markup=False)
    previous = selectors.result_previous_best(result)
    console.print(
        best_comparison(
            result.total_ms, previous.total_ms if previous else None, capped=result.capped
        ),
        markup=False,
    )


# ---------------------------------------------------------------------------
# I/O: the terminal.


def now_ms() -> int:
    return int(time.time() * 1000)


class _Hangup(Exception):
    """The terminal went away or the process was asked to stop: leave the session open."""


@contextlib.contextmanager
def _raw_terminal(fd: int) -> Iterator[None]:
    """Keys one at a time, unechoed, Ctrl+C as a key; always restored on the way out.

    Output processing is left on, so rich's newlines still return the carriage.
    """
    saved = termios.tcgetattr(fd)
    mode = termios.tcgetattr(fd)
    mode[0] &= ~(termios.ICRNL | termios.IXON)
    mode[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
    mode[6][termios.VMIN] = 1
    mode[6][termios.VTIME] = 0
    # TCSANOW rather than TCSAFLUSH: keys typed a moment early are kept.
    termios.tcsetattr(fd, termios.TCSANOW, mode)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _stop_signals_leave_open() -> Iterator[None]:
    """SIGTERM/SIGHUP unwind through the ``finally`` blocks instead of killing outright."""

    def leave(signum: int, frame: FrameType | None) -> NoReturn:
        raise _Hangup(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, leave) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _read_keys(fd: int, timeout: float) -> list[str]:
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    if not ready:
        return []
    try:
        data = os.read(fd, 1024)
    except OSError as error:  # EIO once the pseudo-terminal's master side closes
        raise _Hangup(str(error)) from None
    if not data:
        raise _Hangup("end of input")
    return decode_keys(data.decode("utf-8", "replace"))


def _render(lines: Sequence[Line]) -> Group:
    return Group(
        *(Text(text, style=style, no_wrap=True, overflow="ellipsis") for text, style in lines)
    )


def _bell(console: Console) -> None:
    console.file.write("\a")
    console.file.flush()


REFRESH_SECONDS = 0.2  # five redraws a second: smooth enough for a tenths clock


class _Run:
    """One session as this process drives it: every change goes through the service."""

    def __init__(self, session: WorkoutSession, athlete: User) -> None:
        self.session_id = session.id
        self.athlete = athlete
        self.state = selectors.session_state(session)
        self.seq = session.event_count
        self.result: Result | None = None
        self.sender: remote.Sender | None = None

    def append(self, kind: str, **fields: int) -> Notice | None:
        """Store one event; on success adopt the state it folds to, else return why not."""
        # Wall-clock time, but never earlier than the last event: a clock
        # stepped back (NTP) must not make the engine reject the event.
        at = max(now_ms(), self.state.last_at or 0)
        try:
            appended = services.session_append(
                session_id=self.session_id,
                athlete=self.athlete,
                seq=self.seq,
                event={"type": kind, "at": at, **fields},
            )
        except engine.EventError as error:
            return Notice(str(error), error=True)
        except services.SequenceError as error:
            # Another process wrote to this session: take up its log as it now stands.
            self._reload()
            return Notice(f"{error}; reloaded the session as stored", error=True)
        except DatabaseError as error:
            return Notice(f"could not save ({error}); nothing was logged, try again", error=True)
        if self.sender is not None:
            # Stored here first; only then queued for the server.
            stored = engine.event_from_dict({"type": kind, "at": at, **fields})
            self.sender.push(self.seq, stored.to_dict())
        self.state = appended.state
        self.seq = appended.session.event_count
        self.result = appended.result
        return None

    def sync_line(self) -> Line | None:
        if self.sender is None:
            return None
        status = self.sender.status()
        style = "bold red" if status.failing else "dim" if not status.waiting else "yellow"
        return status.text(), style

    def _reload(self) -> None:
        session = selectors.session_get(self.session_id, self.athlete)
        if session is not None:
            self.state = selectors.session_state(session)
            self.seq = session.event_count
            if self.sender is not None:
                self.sender.replace(remote.event_dicts(selectors.session_events(session)))


_CLOSED = (engine.Status.FINISHED, engine.Status.ABANDONED)


def _lead_in(live: Live, fd: int, screen: Screen, run: _Run, seconds: int) -> bool:
    """Count down; False if the athlete cancelled."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        live.update(_render(lead_in_lines(screen, run.state, math.ceil(left))), refresh=True)
        try:
            keys = _read_keys(fd, min(REFRESH_SECONDS, left))
        except KeyboardInterrupt:
            return False
        if any(key in ("q", "Q", CTRL_C, ESCAPE) for key in keys):
            return False
    return True


def _session_loop(
    live: Live, fd: int, screen: Screen, run: _Run, console: Console, notice: Notice | None
) -> None:
    keypad = Keypad()
    while run.state.status not in _CLOSED:
        if finish_due(run.state, now_ms()):
            failed = run.append("finish")
            if failed is None:
                _bell(console)
                break
            notice = failed  # shown, then tried again on the next pass
        state = run.state
        lines = session_lines(screen, state, now_ms(), keypad, notice)
        if (sync := run.sync_line()) is not None:
            lines.append(sync)
        live.update(_render(lines), refresh=True)
        try:
            keys = _read_keys(fd, REFRESH_SECONDS)
        except KeyboardInterrupt:  # SIGINT from elsewhere: same as q
            keys = [CTRL_C]
        for key in keys:
            outcome = press(
                keypad,
                key,
                reps_left=run.state.reps_left_in_slot,
                set_size=screen.set_size,
                paused=run.state.paused_now,
            )
            keypad = outcome.keypad
            if outcome.notice is not None:
                notice = outcome.notice
            if outcome.action is not None:
                notice = _act(run, outcome.action, console)
            if run.state.status not in (engine.Status.RUNNING, engine.Status.PAUSED):
                break  # finished, abandoned, or complete and about to finish


def _act(run: _Run, action: Action, console: Console) -> Notice:
    before = run.state
    fields = {"slot": before.current_slot or 0, "n": action.n} if action.kind == "reps" else {}
    failed = run.append(action.kind, **fields)
    if failed is not None:
        return failed
    # The last rep leaves no current slot: that bell is the finish's, rung
    # when the loop appends it.
    if run.state.current_slot not in (before.current_slot, None):
        _bell(console)
    return action_notice(action, before, run.state)


def _fail(message: str) -> NoReturn:
    # Imported here: cli imports this module lazily, inside its commands.
    from runstrong.cli import CommandError

    raise CommandError(message)


def _intro(athlete: User, program: Program, plan: engine.SessionPlan) -> tuple[str, ...]:
    """Lines shown before and during the session: the rotation's pick and the last result."""
    lines: list[str] = []
    spec = selectors.program_to_catalog(program)
    by_key = {slot.key: slot for slot in plan.slots}
    rotating = [slot for slot in spec.slots if slot.rotates and slot.key in by_key]
    names = selectors.exercise_map({slug for slot in rotating for slug in slot.pool})
    for slot in rotating:
        pool = " ↔ ".join(names[slug].name if slug in names else slug for slug in slot.pool)
        lines.append(f"{slot.key} today: {by_key[slot.key].exercise_name} (rotation: {pool})")
    last = selectors.result_last(athlete, program)
    if last is None:
        lines.append(f"last time: none yet; this is your first {program.name}")
    else:
        when = timezone.localtime(last.started_at).strftime("%Y-%m-%d")
        flags = ", ".join(flag.split(":")[0] for flag in result_flags(last))
        lines.append(
            f"last time: {format_duration(last.total_ms, tenths=True)} on {when} "
            f"({last.core_exercise})" + (f" [{flags}]" if flags else "")
        )
    if plan.scaled:
        lines.append("scaled: " + "; ".join(plan.scaled_how()))
    if plan.time_cap_ms:
        lines.append(f"time cap: {plan.time_cap_ms // 60000} min")
    return tuple(lines)


def _program(options: GoOptions) -> Program | None:
    if not options.program:
        return None
    program = selectors.program_get(options.program)
    if program is None:
        _fail(f"no program '{options.program}': `runstrong programs` lists them")
    return program


def _session_to_resume(options: GoOptions, athlete: User) -> WorkoutSession:
    """``--resume``: the latest open session (of ``options.program`` if given)."""
    if options.swaps or options.reps:
        _fail("--swap and --reps shape a new session; a resumed session keeps its plan")
    program = _program(options)
    session = selectors.session_open_latest(athlete, program)
    if session is None:
        where = f" for {program.slug}" if program else ""
        _fail(f"no unfinished session to resume{where}: start one with `runstrong go PROGRAM`")
    return session


def _session_to_start(
    options: GoOptions, athlete: User, console: Console
) -> tuple[WorkoutSession, bool, bool]:
    """``go PROGRAM``: a new session, unless the athlete chooses to resume an open one.

    Returns the session, whether it was resumed, and whether to send it to --server.
    """
    program = _program(options)
    if program is None:
        _fail("say which program to do (`runstrong programs` lists them), or --resume")
    open_session = selectors.session_open_latest(athlete, program)
    if open_session is not None:
        if _ask_resume(open_session, console):
            return open_session, True, True
        # Abandon rather than leave it open: otherwise --resume would keep
        # finding a session the athlete has said they do not want.
        services.session_append(
            session_id=open_session.id,
            athlete=athlete,
            seq=open_session.event_count,
            event={"type": "abandon", "at": max(now_ms(), _last_at(open_session))},
        )
        console.print("The unfinished session is abandoned; starting a new one.")
    if options.server is not None:
        session, send = _session_on_servers_pick(options, options.server, athlete, program, console)
        return session, False, send
    return _session_here(options, athlete, program), False, True


def _session_here(options: GoOptions, athlete: User, program: Program) -> WorkoutSession:
    """A new session on this terminal's own rotation pick (its local history)."""
    try:
        return services.session_start(
            athlete=athlete, program=program, swaps=options.swaps, reps=options.reps
        )
    except catalog.PlanError as error:
        _fail(str(error))


def _session_on_servers_pick(
    options: GoOptions,
    client: remote.Client,
    athlete: User,
    program: Program,
    console: Console,
) -> tuple[WorkoutSession, bool]:
    """--server: a new session on the server's rotation pick, so a runner who trains on
    the site and here gets the rotation the site would give. Returns it and whether
    to send it.

    Made on the server first, with the same id: its answer is its pick at the moment
    the session exists there (asking ``next_plan`` first and creating after could
    see a result land in between), and the session here is built on it with the
    runner's scaling. Out of reach: this terminal's own pick, said in one line; the
    sender makes the session there later with that pick (``picks``) and checks the
    plan the server makes of it."""
    session_id = uuid4()
    asked = remote.session_request(session_id, program.slug, swaps=options.swaps, reps=options.reps)
    try:
        there = remote.session_open(client, asked)
    except remote.Refused as refused:
        if refused.answer.code == "plan":
            # The scaling does not fit the server's pick (a swap is per exercise).
            _fail(f"{client.url} refuses this scaling for its rotation: {refused.answer.message}")
        console.print(
            f"{client.url} would not make the session ({refused}): "
            "today's rotation is this terminal's own pick.",
            markup=False,
        )
        return _session_here(options, athlete, program), True
    except remote.ServerError as error:
        console.print(
            f"Server out of reach ({error}): today's rotation is this terminal's own pick.",
            markup=False,
        )
        return _session_here(options, athlete, program), True
    picks = {str(slot["key"]): str(slot["prescribed_exercise"]) for slot in there["plan"]["slots"]}
    session: WorkoutSession | None = None
    try:
        # session_restore is the service that makes a session on a given rotation
        # pick, checked against the pool here (an export's import uses it the same way).
        session = services.session_restore(
            athlete=athlete,
            program=program,
            session_id=session_id,
            prescribed=picks,
            swaps=options.swaps,
            reps=options.reps,
        )
        differences = remote.plan_differences(session.session_plan().to_dict(), there["plan"])
    except catalog.PlanError as error:  # its pick is not in the pool here
        differences = [str(error)]
    if session is not None and not differences:
        return session, True
    # Another install's catalog (a changed program, an exercise missing here): never
    # two different workouts under one id. Trained here, not sent.
    remote.session_abandon_empty(client, session_id)
    console.print(
        f"{client.url} plans this session differently ({'; '.join(differences)}): "
        "it is recorded here only and not sent.",
        style="bold red",
        markup=False,
    )
    return session or _session_here(options, athlete, program), False


def _last_at(session: WorkoutSession) -> int:
    return selectors.session_state(session).last_at or 0


def _ask_resume(session: WorkoutSession, console: Console) -> bool:
    """Ask in plain line mode: an unfinished session is never silently resumed or dropped."""
    state = selectors.session_state(session)
    started = timezone.localtime(session.created_at).strftime("%Y-%m-%d %H:%M")
    console.print(
        f"You have an unfinished {session.program.name} session from {started} "
        f"({state.reps_total}/{state.plan.reps_target} reps, {state.status})."
    )
    while True:
        try:
            answer = (
                console.input("Resume the unfinished session? [Y/n] (n abandons it) ")
                .strip()
                .lower()
            )
        except EOFError:
            _fail("no answer: run `runstrong go --resume` to continue the unfinished session")
        if answer in ("", "y", "yes"):
            return True
        if answer in ("n", "no"):
            return False


def go(options: GoOptions, console: Console) -> None:
    """Run one guided session in the terminal, then print its result."""
    if options.set_size < 1:
        _fail("--set-size must be at least 1")
    if options.lead_in < 0:
        _fail("--lead-in cannot be negative")
    athlete = services.athlete_local()
    if (
        options.resume
        and options.server is not None
        and _send_closed_session(options, athlete, console)
    ):
        return
    # Find the session to resume before checking the terminal, so "nothing to
    # resume" reads the same whether or not a terminal is attached.
    resume_session = _session_to_resume(options, athlete) if options.resume else None
    if not (sys.stdin.isatty() and console.is_terminal):
        _fail("`runstrong go` needs an interactive terminal (it reads single key presses)")
    if resume_session is not None:
        session, resumed, send = resume_session, True, True
    else:
        session, resumed, send = _session_to_start(options, athlete, console)
    run = _Run(session, athlete)
    plan = run.state.plan
    exercises = selectors.exercise_map({slot.exercise for slot in plan.slots})
    screen = Screen(
        program_name=session.program.name,
        exercises=exercises,
        intro=_intro(athlete, session.program, plan),
        set_size=options.set_size,
    )
    name = escape(session.program.name)
    console.print(f"[bold]{name}[/]: {plan.reps_target} reps in {len(plan.slots)} slots")
    for line in screen.intro:
        console.print(f"  {line}", markup=False)

    if options.server is not None and send:
        run.sender = _sender(options.server, session)
        run.sender.start()
        console.print(f"Sending to {options.server.url} as you go.", markup=False)
    outcome = _drive(run, screen, options, console, resumed)
    if run.sender is not None:
        _send_rest(run.sender, options, console)
    if outcome == "finished" and run.result is not None:
        console.print()
        print_result(run.result, console)
    elif outcome == "cancelled":
        console.print("Cancelled before the clock started.")
    elif outcome == "abandoned":
        console.print("Session abandoned: it will not appear in your history.")
    else:
        console.print("Session left open: `runstrong go --resume` continues it.")


def _sender(client: remote.Client, session: WorkoutSession) -> remote.Sender:
    # Posted only if the server lacks the session (started while out of reach):
    # it then records this terminal's rotation pick, the exercise done here.
    spec = selectors.program_to_catalog(session.program)
    rotating = [slot.key for slot in spec.slots if slot.rotates]
    return remote.Sender(
        client=client,
        session_id=str(session.id),
        create_body=remote.session_create_body(session.id, session.session_plan(), rotating),
        events=remote.event_dicts(selectors.session_events(session)),
        plan=session.session_plan().to_dict(),
    )


def _send_rest(sender: remote.Sender, options: GoOptions, console: Console) -> None:
    """After the session: wait a while for the server to hold every event, then say so."""
    sender.kick()
    sender.wait_sent(options.send_wait)
    sender.stop()
    status = sender.status()
    console.print(status.text(), markup=False, style="bold red" if status.waiting else None)
    if status.waiting and status.problem is None:
        assert options.server is not None
        console.print(
            f"Not everything reached the server yet: `runstrong go --resume --server "
            f"{options.server.url}` sends the rest.",
            markup=False,
        )


def _send_closed_session(options: GoOptions, athlete: User, console: Console) -> bool:
    """``--resume --server`` with no open session here: send what the server lacks of
    the latest one (finished while the server was out of reach). False: nothing to do."""
    assert options.server is not None
    program = _program(options)
    if selectors.session_open_latest(athlete, program) is not None:
        return False
    latest = WorkoutSession.objects.filter(athlete=athlete, event_count__gt=0)
    if program is not None:
        latest = latest.filter(program=program)
    session = latest.select_related("program").order_by("-updated_at").first()
    if session is None:
        return False
    sender = _sender(options.server, session)
    sender.start()
    console.print(
        f"No unfinished session here; sending the latest ({session.program.name}, "
        f"{timezone.localtime(session.created_at):%Y-%m-%d %H:%M}) to {options.server.url}.",
        markup=False,
    )
    _send_rest(sender, options, console)
    return True


def _drive(run: _Run, screen: Screen, options: GoOptions, console: Console, resumed: bool) -> str:
    """The full-screen part; returns how it ended. The terminal is restored however it ends."""
    fd = sys.stdin.fileno()
    notice: Notice | None = None
    if resumed:
        position = run.state.current_slot
        where = f" · {_slot_count(run.state, position)}" if position is not None else ""
        notice = Notice(f"resumed session{where}")
    try:
        with (
            _stop_signals_leave_open(),
            _raw_terminal(fd),
            Live(
                console=console,
                screen=True,
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
            ) as live,
        ):
            if run.state.status is engine.Status.READY:
                if options.lead_in and not _lead_in(live, fd, screen, run, options.lead_in):
                    run.append("abandon")
                    return "cancelled"
                failed = run.append("start")
                if failed is not None:
                    _fail(failed.text)
                _bell(console)
                notice = notice or Notice("started · go!")
            _session_loop(live, fd, screen, run, console, notice)
    except _Hangup:
        return "left open"
    return "finished" if run.state.status is engine.Status.FINISHED else "abandoned"
