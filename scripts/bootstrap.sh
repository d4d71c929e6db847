# Sourced by scripts/run and scripts/test: a virtual environment at .venv/
# holding exactly the locked dependencies (uv.lock), with `runstrong` on
# .venv/bin. Safe to run again; it only does what is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { [ "$(id -u)" = 0 ]; }

# Install Debian packages the project needs, when they are missing and we may.
need_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  as_root || die "missing system packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})"
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Nice to have: install when we may, else say what is missing and go on.
want_debian_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && continue
    if as_root; then need_debian_packages "$pkg"; else say "optional: apt-get install $pkg"; fi
  done
}

# Share cards draw names in DejaVu Sans (accents, Greek, Cyrillic); without
# it they fall back to Pillow's own font, which has plain ASCII only.
want_debian_packages fonts-dejavu-core

"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || die "RunStrong needs Python 3.11; $PYTHON is $("$PYTHON" --version 2>&1)"

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv || die "could not create a virtual environment (Debian: apt-get install python3-venv)"
fi
if [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "installing uv $UV_VERSION"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
# --inexact keeps pip and uv itself, which the lock file does not list.
.venv/bin/uv sync --quiet --locked --inexact "${UV_SYNC_ARGS[@]}"
