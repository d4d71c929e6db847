"""``{% share_buttons result %}``: the share buttons for a result that has a public page.

For pages other than the public one (the result page): it works out the
absolute public URL from the request, and draws nothing for a result that is
not public, so including it unconditionally can never offer a dead link.
"""

from __future__ import annotations

from typing import Any

from django import template

from runstrong.community import sharing
from runstrong.community.views_share import public_url
from runstrong.workouts.models import Result

register = template.Library()


@register.inclusion_tag("community/share/_share.html", takes_context=True)
def share_buttons(context: template.Context, result: Result) -> dict[str, Any]:
    if not sharing.shareable(visibility=result.visibility, review=result.review):
        return {"share_url": ""}
    url = public_url(context["request"], result.pk)
    return {
        "share_url": url,
        "facebook_url": sharing.facebook_share_url(url),
        "share_title": f"{result.program.name} on RunStrong",
    }
