"""The moderation queue, in Django's admin: flags, with "clear" and "confirm" actions.

Actions go through ``services.flag_resolve`` (never a bare ``update()``), so a
decision closes every open flag on the result, sets its review, rebuilds the
athlete's board rows and tells the athlete, exactly as anywhere else. Results
that are unverified (faster than the floors) with no flag are listed on the
queue page (``queue/``) with the same two buttons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from runstrong.accounts.models import User
from runstrong.community import board_cache, selectors, services
from runstrong.community.models import Club, Flag, FlagStatus, Membership

# django-stubs makes the admin classes generic; at run time they are not.
if TYPE_CHECKING:
    FlagAdminBase = admin.ModelAdmin[Flag]
    ClubAdminBase = admin.ModelAdmin[Club]
    MembershipInlineBase = admin.TabularInline[Membership, Club]
else:
    FlagAdminBase = ClubAdminBase = admin.ModelAdmin
    MembershipInlineBase = admin.TabularInline


def _resolve(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, flags: QuerySet[Flag], decision: str
) -> None:
    moderator = request.user
    assert isinstance(moderator, User)
    result_ids = sorted(set(flags.values_list("result_id", flat=True)))
    done = 0
    for result_id in result_ids:
        try:
            services.flag_resolve(moderator=moderator, result_id=result_id, decision=decision)
        except services.CommunityError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
        else:
            done += 1
    verb = "cleared (back on the boards)" if decision == services.CLEAR else "confirmed (kept off)"
    modeladmin.message_user(request, f"{done} result{'s' if done != 1 else ''} {verb}.")


@admin.action(description="Clear: the result stands and goes back on the boards")
def clear_results(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, queryset: QuerySet[Flag]
) -> None:
    _resolve(modeladmin, request, queryset, services.CLEAR)


@admin.action(description="Confirm: the result stays off the boards")
def confirm_results(
    modeladmin: admin.ModelAdmin[Flag], request: HttpRequest, queryset: QuerySet[Flag]
) -> None:
    _resolve(modeladmin, request, queryset, services.CONFIRM)


@admin.register(Flag)
class FlagAdmin(FlagAdminBase):
    list_display = ("result_link", "athlete", "reason", "note", "reporter", "status", "created_at")
    list_filter = ("status", "reason")
    list_select_related = ("result", "result__athlete", "result__program", "reporter")
    ordering = ("status", "created_at")
    actions = [clear_results, confirm_results]
    change_list_template = "community/admin_flag_changelist.html"
    readonly_fields = (
        "result",
        "reporter",
        "reason",
        "note",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
    )

    @admin.display(description="Result")
    def result_link(self, flag: Flag) -> str:
        return f"{flag.result.program.name} #{flag.result_id}"

    @admin.display(description="Athlete")
    def athlete(self, flag: Flag) -> str:
        return flag.result.athlete.shown_name

    # Flags are raised by athletes and closed by the actions: never typed in here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Flag | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        queue = path(
            "queue/",
            self.admin_site.admin_view(self.queue_view),
            name="community_flag_queue",
        )
        return [queue, *super().get_urls()]

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        """Flagged and unverified results waiting for a decision, one per row."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        if request.method == "POST":
            moderator = request.user
            assert isinstance(moderator, User)
            try:
                result_id = int(request.POST.get("result", ""))
                services.flag_resolve(
                    moderator=moderator,
                    result_id=result_id,
                    decision=str(request.POST.get("decision", "")),
                )
            except ValueError:
                self.message_user(request, "No result was chosen.", messages.ERROR)
            except services.CommunityError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"Result #{result_id}: done.")
            return HttpResponseRedirect(reverse("admin:community_flag_queue"))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Moderation queue",
            "items": selectors.moderation_queue(),
            "open_flags": FlagStatus.OPEN,
            "opts": self.model._meta,
        }
        return render(request, "community/admin_queue.html", context)


class MembershipInline(MembershipInlineBase):
    model = Membership
    extra = 0
    raw_id_fields = ("athlete",)


@admin.register(Club)
class ClubAdmin(ClubAdminBase):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("invite_token", "created_by", "created_at")
    inlines = [MembershipInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Members added or removed here change the club's boards, as a join
        # or a leave does (the admin saves the whole form in one transaction).
        board_cache.bump_club(form.instance.pk)
