"""Admin pages that combine apps: the jobs page gets the start buttons of the apps that
own the work, and the movie admin gets the merge of duplicates, which moves ratings and
lists too. Each extends the admin its lower app registered."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from catalog.admin import MovieAdmin
from catalog.models import Movie
from catalog.tasks import embedding_job_start, movie_map_job_start, tmdb_enrichment_job_start
from jobs.admin import JobAdmin
from jobs.models import Job
from ratings.forms import MovieLensImportForm
from ratings.merge import movies_merge
from ratings.tasks import movielens_import_enqueue
from ratings.uploads import movielens_upload_import
from recommendations.tasks import training_job_start

admin.site.unregister(Job)


@admin.register(Job)
class JobStartAdmin(JobAdmin):
    starters = {
        "embedding": embedding_job_start,
        "movie_map": movie_map_job_start,
        "training": training_job_start,
    }

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "import_form": MovieLensImportForm(),
            "tmdb_enabled": bool(settings.TMDB_API_KEY),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def start_views(self):
        return {
            "import": self.start_import_view,
            "tmdb": self.start_tmdb_view,
            **super().start_views(),
        }

    @method_decorator(require_POST)
    def start_tmdb_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_start_permission(request):
            raise PermissionDenied
        if not settings.TMDB_API_KEY:
            self.message_user(
                request, "Nothing started: set TMDB_API_KEY to use the TMDB API.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:jobs_job_changelist"))
        return self.started(request, tmdb_enrichment_job_start())

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


# Duplicates come in twos and threes; this stops "select all" from merging the catalogue.
MAX_MERGED = 10


class MovieMergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Movie.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, movies: QuerySet[Movie], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = movies
        self.fields["keep"].label_from_instance = self._describe

    @staticmethod
    def _describe(movie: Movie) -> str:
        ids = ", ".join(
            f"{name} {value}"
            for name, value in (("IMDb", movie.imdb_id), ("TMDB", movie.tmdb_id))
            if value
        )
        return (
            f"{movie} — #{movie.pk}, {movie.rating_count} ratings"
            f"{', ' + ids if ids else ''}{'' if movie.overview else ', no overview'}"
        )


admin.site.unregister(Movie)


@admin.register(Movie)
class CurationMovieAdmin(MovieAdmin):
    actions = (*MovieAdmin.actions, "merge_duplicates")

    def has_merge_permission(self, request: HttpRequest) -> bool:
        # A merge edits the kept movie and deletes the others.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge duplicates into one movie…", permissions=["merge"])
    def merge_duplicates(
        self, request: HttpRequest, queryset: QuerySet[Movie]
    ) -> TemplateResponse | None:
        """First a confirmation page to choose the kept movie, which posts back here."""
        movies = list(queryset.order_by("-rating_count", "pk")[: MAX_MERGED + 1])
        if not 2 <= len(movies) <= MAX_MERGED:
            self.message_user(
                request, f"Select between 2 and {MAX_MERGED} movies to merge.", messages.ERROR
            )
            return None
        form = MovieMergeForm(
            request.POST if "keep" in request.POST else None,
            movies=queryset.filter(pk__in=[movie.pk for movie in movies]).order_by(
                "-rating_count", "pk"
            ),
            initial={"keep": movies[0].pk},
        )
        if form.is_valid():
            try:
                report = movies_merge(
                    keep_id=form.cleaned_data["keep"].pk,
                    duplicate_ids=[movie.pk for movie in movies],
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return None
            self.message_user(request, report.summary(), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge duplicate movies",
            "opts": self.opts,
            "movies": movies,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/movie/merge_confirmation.html", context)
