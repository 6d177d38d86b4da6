"""The moderators' side: the queue of open reports, with actions to hide what was
reported or suspend its author; hidden reviews and lists can be shown again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from social.models import MovieList, Report, Review
from social.services import report_resolve, user_suspend


class OpenFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Open"), ("no", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The moderation queue: oldest open report first."""

    list_display = ("created_at", "reporter", "target_kind", "target_text", "reason", "resolved_at")
    list_filter = (OpenFilter,)
    list_select_related = ("reporter", "review__user", "movie_list__user")
    ordering = ("resolved_at", "created_at")
    readonly_fields = ("reporter", "review", "movie_list", "reason", "created_at", "resolved_at")
    actions = ("hide_content", "dismiss", "suspend_author")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="what")
    def target_kind(self, report: Report) -> str:
        return "review" if report.review_id else "list"

    @admin.display(description="content")
    def target_text(self, report: Report) -> str:
        target = report.target
        text = target.text if report.review_id else target.name
        return f"{target.user}: {text[:80]}"

    @admin.action(description="Hide the reported content and close its reports")
    def hide_content(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            report_resolve(report=report, hide=True)
        messages.success(request, f"Hid the content of {queryset.count()} report(s).")

    @admin.action(description="Dismiss: close without hiding")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            report_resolve(report=report, hide=False)
        messages.success(request, f"Dismissed {queryset.count()} report(s).")

    @admin.action(description="Suspend the authors of the reported content")
    def suspend_author(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        authors = {report.target.user for report in queryset}
        for author in authors:
            user_suspend(user=author)
        for report in queryset:
            report_resolve(report=report, hide=False)
        messages.success(request, f"Suspended {len(authors)} account(s).")


class HiddenFilter(admin.SimpleListFilter):
    title = "hidden"
    parameter_name = "hidden"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Hidden"), ("no", "Shown")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(hidden_at__isnull=self.value() == "no")
        return queryset


class _HideableAdmin(admin.ModelAdmin):
    list_filter = (HiddenFilter,)
    list_select_related = ("user",)
    readonly_fields = ("user", "hidden_at", "created_at")
    show_full_result_count = False
    actions = ("unhide",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Show again")
    def unhide(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset.update(hidden_at=None)


@admin.register(Review)
class ReviewAdmin(_HideableAdmin):
    list_display = ("user", "movie", "created_at", "like_count", "hidden_at")
    list_select_related = ("user", "movie")
    search_fields = ("user__username",)
    readonly_fields = (*_HideableAdmin.readonly_fields, "movie", "diary_entry", "like_count")
    fields = ("user", "movie", "diary_entry", "text", "contains_spoilers", "like_count")
    fields += ("hidden_at", "created_at")


@admin.register(MovieList)
class MovieListAdmin(_HideableAdmin):
    list_display = ("name", "user", "visibility", "created_at", "hidden_at")
    search_fields = ("name", "user__username")
