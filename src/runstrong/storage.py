"""Static file storage: WhiteNoise's compressed, hashed files, our ES modules included."""

from __future__ import annotations

# WhiteNoise ships no type information.
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

_, _IMPORT_PATTERNS = CompressedManifestStaticFilesStorage._js_module_import_aggregation_patterns


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """Also rewrites ``import … from "./engine.js"`` in our own ES modules.

    Without it the hashed ``app.js`` would import the plain ``engine.js``, which
    is served with a short cache lifetime and can be another version for a
    while after a release. Django's own switch for this
    (``support_js_module_import_aggregation``) applies to every ``*.js`` file,
    and third-party scripts (django-htmx's extensions) hold imports it cannot
    resolve; so only our own modules are rewritten, and those keep to the
    semicolon-terminated ``import … from "./x.js";`` form the patterns need.
    """

    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        # Every module under runstrong/, at any depth (fnmatch's * crosses "/").
        ("runstrong/*.js", _IMPORT_PATTERNS),
    )
