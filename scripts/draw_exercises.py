"""Draw RunStrong's exercise pictures: one animated SVG per catalog exercise.

Each picture is a side view of a jointed stick figure moving between two poses
(the start and the end of a rep). The poses below are data; this script turns
them into ``static/runstrong/exercises/<slug>.svg``. Run it by hand after a
change: ``.venv/bin/python scripts/draw_exercises.py``.

How a picture is built:

- Every body segment is drawn pointing straight down from its joint, inside a
  ``<g>`` rotated about that joint; the segments are nested (torso > upper arm
  > forearm), so a joint's rotation carries everything beyond it.
- A pose gives each segment an absolute direction in degrees: 0 points down,
  90 forward (the figure faces right), 180 up, -90 backward. The script turns
  these into each joint's rotation relative to its parent, and places the hips
  so that the pose's anchor (a hand on the floor, a foot on the ground) sits
  where the pose says.
- The moving figure starts in the start pose (plain ``transform`` attributes)
  and CSS keyframes inside the SVG's own ``<style>`` swing each joint to the
  end pose and back. An SVG shown through ``<img>`` runs no script, and the
  page's Content Security Policy does not reach inside it, so the style block
  is allowed; no SMIL is used.
- ``prefers-reduced-motion: reduce`` stops the animation: the figure stays in
  the start pose and a faded copy in the end pose appears over it (the still
  pair).
- ``prefers-color-scheme: dark`` swaps the palette: the page's colours cannot
  reach into an ``<img>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "runstrong"
    / "static"
    / "runstrong"
    / "exercises"
)

WIDTH, HEIGHT = 120, 100
GROUND = 94.0
# Segment lengths in picture units (the picture is 120 × 100).
TORSO, NECK, HEAD = 25.0, 5.0, 6.5
UPPER_ARM, FOREARM = 13.0, 12.0
THIGH, SHIN, FOOT = 17.0, 16.0, 7.0
LIMB = 6.0  # stroke width of limbs and torso

# Segments in drawing order (parents before children) and the joint each hangs
# from: (name, parent, length of the parent segment it hangs at the end of).
# The legs hang from the hip (the root), the arms from the torso's end.
SEGMENTS = (
    ("th2", None),
    ("sh2", "th2"),
    ("ft2", "sh2"),
    ("torso", None),
    ("ua2", "torso"),
    ("fa2", "ua2"),
    ("ua", "torso"),
    ("fa", "ua"),
    ("th", None),
    ("sh", "th"),
    ("ft", "sh"),
)
LENGTH = {
    "torso": TORSO,
    "ua": UPPER_ARM,
    "ua2": UPPER_ARM,
    "fa": FOREARM,
    "fa2": FOREARM,
    "th": THIGH,
    "th2": THIGH,
    "sh": SHIN,
    "sh2": SHIN,
    "ft": FOOT,
    "ft2": FOOT,
}
FAR = {"th2", "sh2", "ft2", "ua2", "fa2"}
# Named points an anchor can pin: the end of a segment.
POINTS = {
    "shoulder": "torso",
    "hand": "fa",
    "hand2": "fa2",
    "knee": "th",
    "knee2": "th2",
    "ankle": "sh",
    "ankle2": "sh2",
    "toe": "ft",
    "toe2": "ft2",
}


def pose(
    anchor: tuple[str, float, float],
    **angles: float,
) -> dict[str, object]:
    """A pose: absolute directions (see the module docstring) and an anchor.

    Far limbs default to the near ones; a foot defaults to square with its
    shin, pointing forward.
    """
    full = dict(angles)
    for near, far in (("ua", "ua2"), ("fa", "fa2"), ("th", "th2"), ("sh", "sh2")):
        full.setdefault(far, full[near])
    full.setdefault("ft", full["sh"] + 90)
    full.setdefault("ft2", full["sh2"] + 90)
    return {"anchor": anchor, "angles": full}


@dataclass(frozen=True)
class Prop:
    """Something the figure uses, drawn in picture coordinates or held.

    ``kind`` is ``"rect"`` (x, y, w, h), ``"line"`` (x1, y1, x2, y2) or, held
    at the end of ``segment``, ``"dumbbell"``/``"plate"``/``"band"``.
    """

    kind: str
    values: tuple[float, ...] = ()
    segment: str = ""


@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    start: dict[str, object]
    end: dict[str, object]
    props: tuple[Prop, ...] = field(default=())
    seconds: float = 1.6
    # A pose halfway through, where a straight swing would go through the floor.
    mid: dict[str, object] | None = None


def _vector(direction: float, length: float) -> tuple[float, float]:
    radians = math.radians(direction)
    return (math.sin(radians) * length, math.cos(radians) * length)


def _ends(angles: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Where each segment ends, with the hip at (0, 0)."""
    ends: dict[str, tuple[float, float]] = {}
    for name, parent in SEGMENTS:
        start = ends[parent] if parent else (0.0, 0.0)
        dx, dy = _vector(angles[name], LENGTH[name])
        ends[name] = (start[0] + dx, start[1] + dy)
    return ends


def _hip(spec: dict[str, object]) -> tuple[float, float]:
    point, x, y = spec["anchor"]  # type: ignore[misc]
    if point == "hip":
        return (x, y)
    ends = _ends(spec["angles"])  # type: ignore[arg-type]
    px, py = ends[POINTS[point]]
    return (x - px, y - py)


def _relative(angles: dict[str, float]) -> dict[str, float]:
    """Each joint's SVG rotation: minus its direction change from its parent."""
    parents = dict(SEGMENTS)
    out = {}
    for name, _ in SEGMENTS:
        parent = parents[name]
        out[name] = -(angles[name] - (angles[parent] if parent else 0.0))
    return out


def _n(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _held(prop: Prop, length: float) -> str:
    if prop.kind == "dumbbell":
        return f'<rect class="kit" x="-5" y="{_n(length - 2)}" width="10" height="4" rx="1.5"/>'
    if prop.kind == "plate":
        return f'<circle class="kit" cx="0" cy="{_n(length - 5)}" r="6"/>'
    if prop.kind == "band":
        return f'<line class="band" x1="-4" y1="{_n(length - 3)}" x2="4" y2="{_n(length - 3)}"/>'
    raise ValueError(prop.kind)


def _figure(exercise: Exercise, which: str, *, moving: bool) -> str:
    spec = exercise.start if which == "start" else exercise.end
    rotations = _relative(spec["angles"])  # type: ignore[arg-type]
    hx, hy = _hip(spec)
    children: dict[str | None, list[str]] = {}
    for name, parent in SEGMENTS:
        children.setdefault(parent, []).append(name)

    def draw(name: str) -> str:
        length = LENGTH[name]
        cls = "far" if name in FAR else "near"
        animated = f' class="j-{name}"' if moving else ""
        inner = [f'<line class="{cls}" x1="0" y1="0" x2="0" y2="{_n(length)}"/>']
        if name == "torso":
            inner.append(
                f'<circle class="head" cx="0" cy="{_n(length + NECK + HEAD)}" r="{_n(HEAD)}"/>'
            )
        inner.extend(_held(p, length) for p in exercise.props if p.segment == name)
        for child in children.get(name, []):
            inner.append(f'<g transform="translate(0 {_n(length)})">{draw(child)}</g>')
        return f'<g{animated} transform="rotate({_n(rotations[name])})">{"".join(inner)}</g>'

    body = "".join(draw(name) for name in children[None])
    root = ' class="j-hip"' if moving else ""
    return f'<g{root} transform="translate({_n(hx)} {_n(hy)})">{body}</g>'


def _keyframes(exercise: Exercise) -> str:
    poses = [exercise.start, *([exercise.mid] if exercise.mid else []), exercise.end]
    stops = ["0%,12%", *(["50%"] if exercise.mid else []), "88%,100%"]
    rotations = [_relative(spec["angles"]) for spec in poses]  # type: ignore[arg-type]
    hips = [_hip(spec) for spec in poses]
    rules = []
    # Each moving part holds a little at both ends of the rep, like a person.
    if len({(_n(x), _n(y)) for x, y in hips}) > 1:
        frames = "".join(
            f"{stop}{{transform:translate({_n(x)}px,{_n(y)}px)}}"
            for stop, (x, y) in zip(stops, hips, strict=True)
        )
        rules.append(f".j-hip{{animation-name:hip}}@keyframes hip{{{frames}}}")
    for name, _ in SEGMENTS:
        if len({_n(rotation[name]) for rotation in rotations}) == 1:
            continue
        frames = "".join(
            f"{stop}{{transform:rotate({_n(rotation[name])}deg)}}"
            for stop, rotation in zip(stops, rotations, strict=True)
        )
        rules.append(f".j-{name}{{animation-name:{name}}}@keyframes {name}{{{frames}}}")
    return "".join(rules)


STYLE = (
    ".near,.far,.ground,.band{{stroke-linecap:round;fill:none}}"
    ".near{{stroke:#14171a;stroke-width:{limb}}}.far{{stroke:#8b8f93;stroke-width:{limb}}}"
    ".head{{fill:#14171a}}.kit{{fill:#0b5d3b}}.band{{stroke:#0b5d3b;stroke-width:3}}"
    ".ground{{stroke:#8b8f93;stroke-width:2}}.prop{{fill:#d9d6cf}}"
    ".still{{display:none;opacity:.4}}.still .near,.still .far{{stroke:#0b5d3b}}.still .head{{fill:#0b5d3b}}"
    ".move g{{animation-duration:{seconds}s;animation-timing-function:ease-in-out;"
    "animation-iteration-count:infinite;animation-direction:alternate;animation-fill-mode:both}}"
    "@media (prefers-color-scheme:dark){{.near{{stroke:#eceae4}}.far{{stroke:#6b7177}}.head{{fill:#eceae4}}"
    ".kit{{fill:#5fcf97}}.band{{stroke:#5fcf97}}.prop{{fill:#3d444a}}"
    ".still .near,.still .far{{stroke:#5fcf97}}.still .head{{fill:#5fcf97}}}}"
    # The still pair: the figure stays in the start pose, the end pose faded over it.
    "@media (prefers-reduced-motion:reduce){{.move g{{animation:none}}.still{{display:inline}}}}"
    # The same still pair when asked for by the address (``<slug>.svg#still``):
    # the live session page uses it, as a moving picture there would keep the
    # phone's main thread busy drawing and slow every tap.
    "#still:target .move g{{animation:none}}#still:target .still{{display:inline}}"
)


def render(exercise: Exercise) -> str:
    props = []
    for prop in exercise.props:
        if prop.segment:
            continue
        if prop.kind == "rect":
            x, y, w, h = prop.values
            props.append(
                f'<rect class="prop" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="2"/>'
            )
        elif prop.kind == "line":
            x1, y1, x2, y2 = prop.values
            props.append(
                f'<line class="ground" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"/>'
            )
        else:
            raise ValueError(prop.kind)
    style = STYLE.format(limb=_n(LIMB), seconds=_n(exercise.seconds)) + _keyframes(exercise)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="still" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{exercise.title}">'
        f"<title>{exercise.title}</title><style>{style}</style>"
        f'<line class="ground" x1="4" y1="{_n(GROUND + 1)}" x2="{WIDTH - 4}" y2="{_n(GROUND + 1)}"/>'
        f"{''.join(props)}"
        f'<g class="still">{_figure(exercise, "end", moving=False)}</g>'
        f'<g class="move">{_figure(exercise, "start", moving=True)}</g>'
        "</svg>\n"
    )


G = GROUND - 3  # a joint resting on the ground sits half a limb's width above it

# Shared poses -----------------------------------------------------------------


def _plank(hand_x: float, hand_y: float, torso: float, knee_in: str) -> dict[str, object]:
    """A high plank with one knee driven towards the chest (``knee_in``: th or th2)."""
    leg = torso - 180
    angles = {"torso": torso, "ua": 0, "fa": 0, "th": leg, "sh": leg, "th2": leg, "sh2": leg}
    angles["ft"] = angles["ft2"] = leg + 90
    tuck = "sh" if knee_in == "th" else "sh2"
    angles[knee_in] = torso - 60
    angles[tuck] = -75
    angles["ft" if knee_in == "th" else "ft2"] = 15
    return pose(("hand", hand_x, hand_y), **angles)


def _plank_switch(hand_x: float, hand_y: float, torso: float) -> dict[str, object]:
    """Halfway through the switch: both knees under the hips, feet up behind."""
    legs = {"th": torso - 110, "sh": -100, "ft": -10, "th2": torso - 110, "sh2": -100, "ft2": -10}
    return pose(("hand", hand_x, hand_y), torso=torso, ua=0, fa=0, **legs)


def _squat(**extra: float) -> dict[str, object]:
    return pose(("ankle", 56, G - 1), torso=145, th=80, sh=-25, ft=90, **extra)


def _stand(**extra: float) -> dict[str, object]:
    return pose(("ankle", 56, G - 1), torso=180, th=0, sh=0, ft=90, **extra)


def _all_fours(**extra: float) -> dict[str, object]:
    base = {"torso": 106, "ua": 0, "fa": 0, "th": 0, "sh": -90, "ft": -90}
    base.update(extra)
    return pose(("hand2", 88, G), **base)


def _back_extension(
    *, plate: bool
) -> tuple[dict[str, object], dict[str, object], tuple[Prop, ...]]:
    # Hips on the pad of a 45° bench, feet on its footplate; arms folded on the chest.
    legs = {"th": -45, "sh": -45, "ft": 45}
    start = pose(("ankle", 28, 82), torso=15, ua=175, fa=75, **legs)
    end = pose(("ankle", 28, 82), torso=135, ua=-65, fa=-165, **legs)
    props = (
        Prop("line", (20, 86, 40, 86)),  # footplate
        Prop("line", (30, 86, 58, GROUND)),  # frame
        Prop("rect", (46, 58, 14, 7)),  # hip pad
        Prop("line", (52, 64, 52, GROUND)),
    )
    if plate:
        props += (Prop("plate", segment="fa"),)
    return start, end, props


def _lying(**angles: float) -> dict[str, object]:
    return pose(("hip", 56, G - 1), **angles)


BACK_START, BACK_END, BACK_PROPS = _back_extension(plate=False)
WBACK_START, WBACK_END, WBACK_PROPS = _back_extension(plate=True)
BOX = Prop("rect", (84, 70, 26, GROUND - 70))
DUMBBELLS = (Prop("dumbbell", segment="fa"), Prop("dumbbell", segment="fa2"))

EXERCISES = (
    Exercise(
        "mountain-climber",
        "Mountain climbers: from a high plank, knees drive to the chest in turn",
        _plank(86, G, 112, "th"),
        _plank(86, G, 112, "th2"),
        seconds=0.7,
        mid=_plank_switch(86, G, 112),
    ),
    Exercise(
        "sit-up",
        "Sit-up: lying with knees bent, the trunk curls up to the thighs and back down",
        _lying(torso=-90, ua=80, fa=90, th=128, sh=-8, ft=90),
        _lying(torso=160, ua=115, fa=110, th=128, sh=-8, ft=90),
    ),
    Exercise(
        "calf-raise",
        "Calf raise: standing, the heels rise onto the balls of the feet and lower slowly",
        pose(("toe", 64, G), torso=180, ua=4, fa=4, th=0, sh=0, ft=90),
        pose(("toe", 64, G), torso=180, ua=4, fa=4, th=0, sh=0, ft=38),
        seconds=1.2,
    ),
    Exercise(
        "donkey-kick",
        "Donkey kick: on hands and knees, one heel pushes back and up, then returns",
        _all_fours(),
        _all_fours(th=-110, sh=-185, ft=-95),
    ),
    Exercise(
        "squat-to-curl",
        "Squat to curl: squat down, stand up and curl the dumbbells to the shoulders",
        _squat(ua=15, fa=15),
        _stand(ua=8, fa=165),
        props=DUMBBELLS,
        seconds=1.8,
    ),
    Exercise(
        "back-extension",
        "Back extension: hips on the bench, the trunk lowers and rises into line with the legs",
        BACK_START,
        BACK_END,
        props=BACK_PROPS,
    ),
    Exercise(
        "incline-mountain-climber",
        "Incline mountain climbers: hands on a box, knees drive to the chest in turn",
        _plank(92, 67, 128, "th"),
        _plank(92, 67, 128, "th2"),
        props=(BOX,),
        seconds=0.8,
        mid=_plank_switch(92, 67, 128),
    ),
    Exercise(
        "cross-body-mountain-climber",
        "Cross-body mountain climbers: from a high plank, each knee drives towards the opposite elbow",
        pose(
            ("hand", 86, G), torso=112, ua=0, fa=0, th=70, sh=-40, ft=40, th2=-68, sh2=-68, ft2=22
        ),
        pose(
            ("hand", 86, G), torso=112, ua=0, fa=0, th=-68, sh=-68, ft=22, th2=70, sh2=-40, ft2=40
        ),
        seconds=0.8,
        mid=_plank_switch(86, G, 112),
    ),
    Exercise(
        "crunch",
        "Crunch: lying with knees bent and hands by the head, the shoulders curl off the floor",
        _lying(torso=-90, ua=-150, fa=60, th=128, sh=-8, ft=90),
        _lying(torso=-55, ua=-120, fa=95, th=128, sh=-8, ft=90),
        seconds=1.2,
    ),
    Exercise(
        "v-up",
        "V-up: lying flat with arms overhead, the legs and trunk rise together to touch",
        _lying(torso=-90, ua=-90, fa=-90, th=90, sh=90, ft=180),
        _lying(torso=-140, ua=-255, fa=-255, th=138, sh=138, ft=220),
        seconds=1.4,
    ),
    Exercise(
        "seated-calf-raise",
        "Seated calf raise: sitting with feet flat, the heels rise and lower",
        pose(("hip", 44, 76), torso=180, ua=25, fa=95, th=90, sh=0, ft=90),
        pose(("hip", 44, 76), torso=180, ua=22, fa=98, th=101, sh=6, ft=52),
        props=(Prop("rect", (22, 80, 28, GROUND - 80)),),
        seconds=1.2,
    ),
    Exercise(
        "single-leg-calf-raise",
        "Single-leg calf raise: on one foot, a hand on the wall, the heel rises and lowers",
        pose(("toe", 56, G), torso=180, ua=50, fa=85, th=0, sh=0, ft=90, th2=-5, sh2=-80),
        pose(("toe", 56, G), torso=180, ua=45, fa=80, th=0, sh=0, ft=38, th2=-5, sh2=-80),
        props=(Prop("rect", (86, 8, 8, GROUND - 8)),),
        seconds=1.2,
    ),
    Exercise(
        "glute-bridge",
        "Glute bridge: lying with knees bent, the hips lift into a line from shoulders to knees",
        pose(("ankle", 80, G - 1), torso=-90, ua=90, fa=90, th=128, sh=-10, ft=90),
        pose(("ankle", 80, G - 1), torso=-76, ua=80, fa=90, th=98, sh=12, ft=90),
    ),
    Exercise(
        "banded-donkey-kick",
        "Banded donkey kick: on hands and knees with a band round the legs, one heel pushes back and up",
        _all_fours(),
        _all_fours(th=-110, sh=-185, ft=-95),
        props=(Prop("band", segment="th"), Prop("band", segment="th2")),
    ),
    Exercise(
        "bodyweight-squat",
        "Bodyweight squat: hips back and down, arms forward for balance, then stand tall",
        _stand(ua=0, fa=0),
        _squat(ua=88, fa=88),
    ),
    Exercise(
        "squat-curl-press",
        "Squat, curl and press: squat, stand and curl, then press the dumbbells overhead",
        _squat(ua=15, fa=15),
        _stand(ua=175, fa=180),
        props=DUMBBELLS,
        seconds=2.0,
    ),
    Exercise(
        "bird-dog",
        "Bird dog: on hands and knees, one arm reaches forward and the other leg back, then return",
        _all_fours(),
        _all_fours(ua=96, fa=96, ua2=0, fa2=0, th2=-95, sh2=-95, ft2=-10),
        seconds=1.8,
    ),
    Exercise(
        "weighted-back-extension",
        "Weighted back extension: holding a plate to the chest, the trunk lowers and rises on the bench",
        WBACK_START,
        WBACK_END,
        props=WBACK_PROPS,
    ),
)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for exercise in EXERCISES:
        (OUT / f"{exercise.slug}.svg").write_text(render(exercise), encoding="utf-8")
    print(f"{len(EXERCISES)} pictures in {OUT}")


if __name__ == "__main__":
    main()
