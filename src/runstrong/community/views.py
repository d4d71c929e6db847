"""Clubs, notifications, and the social forms of the result page (cheers, comments,
privacy, flags).

Every form works as a plain post that redirects back; with htmx the cheers and
comments forms swap just their section instead (``request.htmx``). Views parse,
call one service and render; the services decide who may do what, and their
refusals map to statuses here: missing or hidden 404, not yours 403, bad input
422, too many 429.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from runstrong import ratelimit
from runstrong.accounts.models import Privacy, User
from runstrong.accounts.web import HtmxHttpRequest, logged_in_athlete
from runstrong.community import access, forms, selectors, services, sharing
from runstrong.community.views_share import absolute_url
from runstrong.workouts.models import Result


def refused(request: HttpRequest, error: services.CommunityError) -> HttpResponse:
    """The page a refused request gets (Invalid is each view's own business: its form)."""
    if isinstance(error, services.NotFound):
        raise Http404(error.message)
    if isinstance(error, services.RateLimited):
        return ratelimit.too_many_requests(
            request,
            error.decision,
            what=error.what,
            template="community/too_many.html",
            message=error.message,
        )
    status = 403 if isinstance(error, services.NotAllowed) else 422
    return render(request, "community/refused.html", {"message": error.message}, status=status)


def _result_url(result_id: int, anchor: str = "") -> str:
    return reverse("community:result", args=[result_id]) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------
# The result page's social part (the page itself is views_result.result_detail).


VISIBILITY_SAID = {
    Privacy.PUBLIC: "Everyone can now see this result.",
    Privacy.CLUBS: "Only you and people in your clubs can now see this result.",
    Privacy.PRIVATE: "Only you can now see this result.",
}


def social_context(
    result: Result,
    viewer: User | None,
    *,
    comment_form: forms.CommentForm | None = None,
    flag_form: forms.FlagForm | None = None,
    cheers_message: str = "",
    comments_message: str = "",
    comments_error: str = "",
) -> dict[str, Any]:
    """What the result page's cheers, comments, privacy and flag sections show."""
    is_owner = viewer is not None and viewer.pk == result.athlete_id
    return {
        "result": result,
        "viewer": viewer,
        "is_owner": is_owner,
        "social": selectors.result_social(result, viewer),
        "comment_form": comment_form or forms.CommentForm(),
        "flag_form": flag_form or forms.FlagForm(),
        "visibility_form": forms.VisibilityForm(initial={"visibility": result.visibility}),
        "cheers_message": cheers_message,
        "comments_message": comments_message,
        "comments_error": comments_error,
        "shareable": sharing.shareable(visibility=result.visibility, review=result.review),
    }


def _visible_or_404(result_id: int, viewer: User) -> Result:
    result = selectors.result_visible_to(result_id, viewer)
    if result is None:
        raise Http404("No such result")
    return result


def _cheers_partial(
    request: HttpRequest, result_id: int, viewer: User, *, message: str = "", status: int = 200
) -> HttpResponse:
    result = _visible_or_404(result_id, viewer)
    return render(
        request,
        "community/_cheers.html",
        social_context(result, viewer, cheers_message=message),
        status=status,
    )


def _comments_partial(
    request: HttpRequest,
    result_id: int,
    viewer: User,
    *,
    form: forms.CommentForm | None = None,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    result = _visible_or_404(result_id, viewer)
    return render(
        request,
        "community/_comments.html",
        social_context(
            result, viewer, comment_form=form, comments_message=message, comments_error=error
        ),
        status=status,
    )


@login_required
@require_POST
def cheer(request: HtmxHttpRequest, result_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    form = forms.CheerForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _cheers_partial(
                request, result_id, viewer, message="That cheer is not on offer.", status=422
            )
        return refused(request, services.Invalid("That is not one of the cheers on offer."))
    try:
        services.cheer_toggle(
            athlete=viewer,
            result_id=result_id,
            kind=form.cleaned_data["kind"],
            on=form.cleaned_data["on"],
        )
    except services.RateLimited as error:
        if request.htmx:
            return _cheers_partial(request, result_id, viewer, message=error.message, status=429)
        return refused(request, error)
    except services.CommunityError as error:
        return refused(request, error)
    if request.htmx:
        return _cheers_partial(request, result_id, viewer)
    return HttpResponseRedirect(_result_url(result_id, "cheers"))


def _comment_form_page(
    request: HttpRequest,
    form: forms.CommentForm,
    *,
    action: str,
    result: Result,
    title: str,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "community/comment_form.html",
        {"form": form, "action": action, "result": result, "title": title},
        status=status,
    )


@login_required
@require_POST
def comment_add(request: HtmxHttpRequest, result_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_add(
                author=viewer, result_id=result_id, text=form.cleaned_data["text"]
            )
        except services.Invalid as error:
            form.add_error("text", error.message)
        except services.RateLimited as error:
            if request.htmx:
                return _comments_partial(
                    request, result_id, viewer, form=form, error=error.message, status=429
                )
            return refused(request, error)
        except services.CommunityError as error:
            return refused(request, error)
        else:
            if request.htmx:
                return _comments_partial(request, result_id, viewer, message="Comment posted.")
            return HttpResponseRedirect(_result_url(result_id, f"comment-{comment.pk}"))
    if request.htmx:
        return _comments_partial(request, result_id, viewer, form=form, status=422)
    return _comment_form_page(
        request,
        form,
        action=reverse("community:comment_add", args=[result_id]),
        result=_visible_or_404(result_id, viewer),
        title="Your comment was not posted",
        status=422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    comment = selectors.comment_get(comment_id, viewer)
    if comment is None:
        raise Http404("No such comment")
    if not access.may_edit_comment(viewer_id=viewer.pk, author_id=comment.author_id):
        return refused(
            request, services.NotAllowed("Only the person who wrote a comment can edit it.")
        )
    action = reverse("community:comment_edit", args=[comment.pk])
    if request.method == "GET":
        form = forms.CommentForm(initial={"text": comment.text})
        return _comment_form_page(
            request,
            form,
            action=action,
            result=comment.result,
            title="Edit your comment",
            status=200,
        )
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_edit(
                author=viewer, comment_id=comment.pk, text=form.cleaned_data["text"]
            )
        except services.Invalid as error:
            form.add_error("text", error.message)
        except services.CommunityError as error:
            return refused(request, error)
        else:
            return HttpResponseRedirect(_result_url(comment.result_id, f"comment-{comment.pk}"))
    return _comment_form_page(
        request, form, action=action, result=comment.result, title="Edit your comment", status=422
    )


@login_required
@require_POST
def comment_delete(request: HtmxHttpRequest, comment_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    comment = selectors.comment_get(comment_id, viewer)
    result_id = comment.result_id if comment is not None else None
    try:
        services.comment_delete(actor=viewer, comment_id=comment_id)
    except services.CommunityError as error:
        return refused(request, error)
    if result_id is None:
        # The author's own comment on a result they can no longer see.
        messages.success(request, "Comment deleted.")
        return redirect("workouts:history")
    if request.htmx:
        return _comments_partial(request, result_id, viewer, message="Comment deleted.")
    messages.success(request, "Comment deleted.")
    return HttpResponseRedirect(_result_url(result_id, "comments"))


@login_required
@require_POST
def result_visibility(request: HttpRequest, result_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    form = forms.VisibilityForm(request.POST)
    if not form.is_valid():
        return refused(request, services.Invalid("Choose everyone, your clubs or only you."))
    try:
        services.result_visibility_set(
            athlete=viewer, result_id=result_id, visibility=form.cleaned_data["visibility"]
        )
    except services.CommunityError as error:
        return refused(request, error)
    messages.success(request, VISIBILITY_SAID[form.cleaned_data["visibility"]])
    return HttpResponseRedirect(_result_url(result_id, "privacy"))


@login_required
@require_POST
def result_boards(request: HttpRequest, result_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    form = forms.BoardsForm(request.POST)
    if not form.is_valid():
        return refused(request, services.Invalid("Say whether the result may stand on boards."))
    on_boards = form.cleaned_data["on_boards"]
    try:
        services.result_boards_set(athlete=viewer, result_id=result_id, on_boards=on_boards)
    except services.CommunityError as error:
        return refused(request, error)
    messages.success(
        request,
        "This result may stand on the boards."
        if on_boards
        else "This result is kept off the boards. It stays in your history.",
    )
    return HttpResponseRedirect(_result_url(result_id, "privacy"))


@login_required
@require_POST
def flag(request: HttpRequest, result_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    result = _visible_or_404(result_id, viewer)
    form = forms.FlagForm(request.POST)
    if form.is_valid():
        try:
            services.flag_raise(
                reporter=viewer,
                result_id=result_id,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except services.Invalid as error:
            form.add_error(None, error.message)
        except services.CommunityError as error:
            return refused(request, error)
        else:
            messages.success(
                request, "Thank you. A moderator will look at this result; its athlete is told."
            )
            return HttpResponseRedirect(_result_url(result_id))
    return render(request, "community/flag_form.html", {"form": form, "result": result}, status=422)


# ---------------------------------------------------------------------------
# Clubs.


@login_required
@require_http_methods(["GET", "POST"])
def clubs(request: HttpRequest) -> HttpResponse:
    viewer = logged_in_athlete(request)
    form = forms.ClubForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            club = services.club_create(
                creator=viewer,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except services.Invalid as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{club.name} is ready. Share its invite link to fill it.")
            return redirect("community:club", slug=club.slug)
    return render(
        request,
        "community/clubs.html",
        {"clubs": selectors.club_list(viewer), "form": form},
        status=422 if form.is_bound else 200,
    )


@login_required
@require_GET
def club(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = logged_in_athlete(request)
    page = selectors.club_page(slug, viewer)
    if page is None:
        raise Http404("No such club")
    invite_url = (
        absolute_url(request, reverse("community:club_join", args=[page.club.invite_token]))
        if page.is_admin
        else ""
    )
    return render(
        request,
        "community/club.html",
        {"page": page, "club": page.club, "invite_url": invite_url, "viewer": viewer},
    )


@login_required
@require_http_methods(["GET", "POST"])
def club_join(request: HttpRequest, token: str) -> HttpResponse:
    viewer = logged_in_athlete(request)
    found = selectors.club_by_token(token)
    if found is None:
        return render(request, "community/join_invalid.html", status=404)
    if selectors.is_member(found, viewer):
        return redirect("community:club", slug=found.slug)
    if request.method == "POST":
        try:
            joined = services.club_join(athlete=viewer, token=token)
        except services.CommunityError as error:
            return refused(request, error)
        messages.success(request, f"Welcome to {joined.name}.")
        return redirect("community:club", slug=joined.slug)
    return render(request, "community/join.html", {"club": found, "token": token})


@login_required
@require_POST
def club_leave(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = logged_in_athlete(request)
    try:
        services.club_leave(athlete=viewer, slug=slug)
    except services.CommunityError as error:
        return refused(request, error)
    messages.success(request, "You have left the club.")
    return redirect("community:clubs")


@login_required
@require_POST
def club_invite_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = logged_in_athlete(request)
    try:
        services.club_token_rotate(admin=viewer, slug=slug)
    except services.CommunityError as error:
        return refused(request, error)
    messages.success(request, "A new invite link is ready; the old one no longer works.")
    return HttpResponseRedirect(reverse("community:club", args=[slug]) + "#invite")


@login_required
@require_POST
def club_member_remove(request: HttpRequest, slug: str, athlete_id: int) -> HttpResponse:
    viewer = logged_in_athlete(request)
    try:
        services.club_member_remove(admin=viewer, slug=slug, athlete_id=athlete_id)
    except services.CommunityError as error:
        return refused(request, error)
    messages.success(request, "Removed from the club.")
    return HttpResponseRedirect(reverse("community:club", args=[slug]) + "#members")


# ---------------------------------------------------------------------------
# Notifications.


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    viewer = logged_in_athlete(request)
    page = selectors.notification_list(viewer)
    # The list counted the unread ones already: the navigation's badge need not.
    return render(
        request,
        "community/notifications.html",
        {"page": page, "unread_notifications": page.unread},
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    viewer = logged_in_athlete(request)
    form = forms.NotificationReadForm(request.POST)
    if not form.is_valid():
        return refused(request, services.Invalid("That is not a notification."))
    try:
        services.notification_mark_read(
            recipient=viewer, notification_id=form.cleaned_data["notification"]
        )
    except services.CommunityError as error:
        return refused(request, error)
    return redirect("community:notifications")
