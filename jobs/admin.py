from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from jobs.models import Job
from jobs.selectors import jobs_active


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by their tasks; the admin watches them and starts new ones.

    The apps that own the work say which jobs can be started here (`starters`); the
    project's admin (pages.admin) fills them in, since this app sits below them all.
    """

    # kind -> a function that starts one job and returns it; each gets a POST-only view.
    starters: dict[str, Callable[[], Job]] = {}

    list_display = (
        "id", "kind", "state_badge", "description", "progress", "started_at", "finished_at",
        "duration", "outcome",
    )  # fmt: skip
    list_filter = ("kind", "state")
    search_fields = ("description", "message", "celery_task_id")

    @admin.display(description="State", ordering="state")
    def state_badge(self, job: Job) -> str:
        # Coloured by static/css/admin.css (job-state--failed, ...), not a style attribute.
        return format_html(
            '<strong class="job-state job-state--{}">{}</strong>',
            job.state,
            job.get_state_display(),
        )

    @admin.display(description="Progress")
    def progress(self, job: Job) -> str:
        if job.percent is None:
            return f"{job.progress_done}" if job.progress_done else "—"
        return format_html(
            '<progress max="100" value="{}"></progress> {}% ({}/{})',
            job.percent,
            job.percent,
            job.progress_done,
            job.progress_total,
        )

    @admin.display(description="Duration")
    def duration(self, job: Job) -> str:
        if job.started_at is None:
            return "—"
        seconds = round(((job.finished_at or timezone.now()) - job.started_at).total_seconds())
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"

    @admin.display(description="Summary or error")
    def outcome(self, job: Job) -> str:
        return format_html('<span title="{}">{}</span>', job.message, job.message[:200])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_start_permission(self, request: HttpRequest) -> bool:
        # The add form is disabled above; the permission still says who may start jobs.
        return request.user.has_perm("jobs.add_job")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "jobs_active": jobs_active(),
            "can_start_jobs": self.has_start_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                f"start/{kind}/",
                self.admin_site.admin_view(view),
                name=f"jobs_job_start_{kind}",
            )
            for kind, view in self.start_views().items()
        ] + super().get_urls()

    def start_views(self) -> dict[str, Callable[[HttpRequest], HttpResponse]]:
        return {kind: self._start_view(start) for kind, start in self.starters.items()}

    def started(self, request: HttpRequest, job: Job) -> HttpResponseRedirect:
        self.message_user(request, f"Started {job}: {job.description}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:jobs_job_changelist"))

    def _start_view(self, start: Callable[[], Job]) -> Callable[[HttpRequest], HttpResponse]:
        @require_POST
        def view(request: HttpRequest) -> HttpResponse:
            if not self.has_start_permission(request):
                raise PermissionDenied
            return self.started(request, start())

        return view
