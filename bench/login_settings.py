"""Settings for ``bench/login_limits.py``: production settings with a password
hasher that counts checks, optionally a fast one, optionally django-axes in
place of RunStrong's own limits.

django-axes is not a dependency: ``--axes`` needs it importable from
PYTHONPATH (``pip install --target DIR django-axes``), so nothing here changes
what the product installs.
"""

from __future__ import annotations

import os

from runstrong.settings import *  # noqa: F403
from runstrong.settings import INSTALLED_APPS, MIDDLEWARE

# Each password check is counted (in the data folder): the limit is on checks.
PASSWORD_HASHERS = ["bench.login_backend.CountingArgon2Hasher"]
if os.environ.get("RUNSTRONG_BENCH_FAST_HASH"):
    # The limiter's own cost, without Argon2's ~0.1 s hiding it.
    PASSWORD_HASHERS = ["bench.login_backend.CountingMD5Hasher"]

if os.environ.get("RUNSTRONG_BENCH_AXES"):
    INSTALLED_APPS = [*INSTALLED_APPS, "axes"]
    MIDDLEWARE = [*MIDDLEWARE, "axes.middleware.AxesMiddleware"]
    AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "bench.login_backend.UnlimitedEmailBackend",
    ]
    # Axes has one limit for every parameter: 5, locked by address or by account.
    AXES_FAILURE_LIMIT = 5
    AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
    AXES_COOLOFF_TIME = 0.25  # hours: RunStrong's 15-minute window
    AXES_RESET_ON_SUCCESS = True
