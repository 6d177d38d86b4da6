"""The project's admin wiring: the jobs page gets the start buttons of the apps above it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from catalog.forms import MovieLensImportForm
from catalog.tasks import embedding_job_start, movielens_import_enqueue
from catalog.uploads import movielens_upload_import
from jobs.admin import JobAdmin
from jobs.models import Job
from recommendations.tasks import training_job_start

admin.site.unregister(Job)


@admin.register(Job)
class JobStartAdmin(JobAdmin):
    starters = {"embedding": embedding_job_start, "training": training_job_start}

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "import_form": MovieLensImportForm()}
        return super().changelist_view(request, extra_context=extra_context)

    def start_views(self):
        return {"import": self.start_import_view, **super().start_views()}

    @method_decorator(require_POST)
    def start_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_start_permission(request):
            raise PermissionDenied
        form = MovieLensImportForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            self.message_user(request, "Nothing imported: " + " ".join(errors), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:jobs_job_changelist"))
        archive, source = form.cleaned_data["archive"], form.cleaned_data["source"].strip()
        job = (
            movielens_upload_import(upload=archive)
            if archive
            else movielens_import_enqueue(source=source)
        )
        return self.started(request, job)
