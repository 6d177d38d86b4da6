from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from catalog import embedding
from catalog.models import Credit, Genre, Movie, Person
from catalog.selectors import movies_waiting_for_embedding_count
from catalog.services import movie_flags_set
from catalog.tasks import movies_reembed
from catalog.templatetags.movies import initials, poster_hue, poster_url

# --- Movie list filters ----------------------------------------------------------------


class DecadeFilter(admin.SimpleListFilter):
    title = "decade"
    parameter_name = "decade"
    UNKNOWN = "unknown"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        # Two index-only reads (movie_year_idx), so the choices follow the catalogue.
        years = Movie.objects.aggregate(first=Min("year"), last=Max("year"))
        decades = (
            range(years["first"] // 10 * 10, years["last"] + 1, 10)
            if years["first"] is not None
            else []
        )
        return [(str(decade), f"{decade}s") for decade in decades] + [(self.UNKNOWN, "Unknown")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Movie]) -> QuerySet[Movie]:
        value = self.value()
        if value is None:
            return queryset
        if value == self.UNKNOWN:
            return queryset.filter(year__isnull=True)
        if not value.isdigit():
            raise IncorrectLookupParameters(f"Not a decade: {value!r}")
        return queryset.filter(year__gte=int(value), year__lt=int(value) + 10)


class EmbeddingFilter(admin.SimpleListFilter):
    """Stale: flagged for re-embedding, or embedded by another model than the configured one."""

    title = "embedding"
    parameter_name = "embedding"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("current", "Up to date"), ("stale", "Stale"), ("missing", "Missing")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Movie]) -> QuerySet[Movie]:
        stale = Q(needs_embedding=True) | ~Q(embedding_model=embedding.model_name())
        match self.value():
            case "missing":
                return queryset.filter(embedding__isnull=True)
            case "stale":
                return queryset.filter(stale, embedding__isnull=False)
            case "current":
                return queryset.filter(embedding__isnull=False).exclude(stale)
        return queryset


class _HasTextFilter(admin.SimpleListFilter):
    field: str

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Movie]) -> QuerySet[Movie]:
        match self.value():
            case "yes":
                return queryset.exclude(**{self.field: ""})
            case "no":
                return queryset.filter(**{self.field: ""})
        return queryset


class HasOverviewFilter(_HasTextFilter):
    title = "has overview"
    parameter_name = "has_overview"
    field = "overview"


class HasPosterFilter(_HasTextFilter):
    title = "has poster"
    parameter_name = "has_poster"
    field = "poster_path"


# --- Movies ----------------------------------------------------------------------------


class _CreditInline(admin.TabularInline):
    """Credits as the imports and the TMDB job wrote them: shown, not edited (the next
    import would replace the edit)."""

    model = Credit
    extra = 0
    can_delete = False
    ordering = ("role", "position")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MovieCreditInline(_CreditInline):
    fields = ("role", "position", "person", "character")
    readonly_fields = fields
    verbose_name_plural = "Cast and crew"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credit]:
        return super().get_queryset(request).select_related("person")


class PersonCreditInline(_CreditInline):
    fields = ("movie", "role", "character")
    readonly_fields = fields
    verbose_name_plural = "Films"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credit]:
        return (
            super().get_queryset(request).select_related("movie").order_by("role", "-movie__year")
        )


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = (
        "poster", "title", "year", "rating_count", "mean_rating", "is_hidden", "is_featured",
        "needs_embedding", "imdb_id", "tmdb_id",
    )  # fmt: skip
    list_display_links = ("poster", "title")
    list_filter = (
        "genres", DecadeFilter, "is_hidden", "is_featured", EmbeddingFilter, HasOverviewFilter,
        HasPosterFilter,
    )  # fmt: skip
    search_fields = ("title", "=imdb_id", "=tmdb_id")
    filter_horizontal = ("genres",)
    readonly_fields = (
        "movielens_id", "rating_count", "rating_mean", "needs_embedding", "embedding_model",
        "embedding_text_hash", "credits_checked_at", "created_at", "updated_at",
    )  # fmt: skip
    actions = ("hide", "unhide", "feature", "unfeature", "reembed")
    inlines = (MovieCreditInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Movie]:
        # Vectors and search columns are large and never shown.
        return super().get_queryset(request).defer("embedding", "search_vector", "title_trigrams")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "movies_waiting_for_embedding": movies_waiting_for_embedding_count(),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After the genres are saved, as they are part of the embedded text. The task
        # only re-encodes if the text really changed, and is queued after commit.
        movies_reembed(movie_ids=[form.instance.pk])

    @admin.display(description="Poster")
    def poster(self, movie: Movie) -> str:
        url = poster_url(movie, "w92")
        if url:
            return format_html('<img src="{}" alt="" width="46" height="69" loading="lazy">', url)
        # SVG presentation attributes: the Content-Security-Policy refuses style attributes.
        return format_html(
            '<svg width="46" height="69" aria-hidden="true"><rect width="46" height="69" '
            'fill="hsl({}, 35%, 40%)"/><text x="23" y="35" text-anchor="middle" '
            'dominant-baseline="middle" fill="#fff" font-weight="bold">{}</text></svg>',
            poster_hue(movie),
            initials(movie.title),
        )

    @admin.display(description="Mean", ordering="rating_mean")
    def mean_rating(self, movie: Movie) -> str:
        return f"{movie.rating_mean:.2f}" if movie.rating_mean is not None else "—"

    def _set_flags(
        self, request: HttpRequest, queryset: QuerySet[Movie], done: str, **flags: bool
    ) -> None:
        count = movie_flags_set(movie_ids=queryset.values_list("pk", flat=True), **flags)
        self.message_user(request, f"{count} movies {done}.", messages.SUCCESS)

    @admin.action(description="Hide from lists and recommendations", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Movie]) -> None:
        self._set_flags(request, queryset, "hidden", hidden=True)

    @admin.action(description="Show in lists and recommendations", permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Movie]) -> None:
        self._set_flags(request, queryset, "shown again", hidden=False)

    @admin.action(description="Feature on the home page (editors' picks)", permissions=["change"])
    def feature(self, request: HttpRequest, queryset: QuerySet[Movie]) -> None:
        self._set_flags(request, queryset, "featured", featured=True)

    @admin.action(description="Stop featuring on the home page", permissions=["change"])
    def unfeature(self, request: HttpRequest, queryset: QuerySet[Movie]) -> None:
        self._set_flags(request, queryset, "no longer featured", featured=False)

    @admin.action(description="Re-embed selected movies", permissions=["change"])
    def reembed(self, request: HttpRequest, queryset: QuerySet[Movie]) -> None:
        count = movies_reembed(movie_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} movies queued for embedding.", messages.SUCCESS)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "tmdb_id", "film_count")
    search_fields = ("name", "=tmdb_id")
    readonly_fields = ("tmdb_id",)
    inlines = (PersonCreditInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return (
            super()
            .get_queryset(request)
            .annotate(film_count=Count("credits__movie", distinct=True))
        )

    def save_model(self, request: HttpRequest, obj: Person, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Their films' documents name them; the task re-encodes only changed texts.
        movies_reembed(movie_ids=obj.credits.values_list("movie_id", flat=True))

    @admin.display(ordering="film_count", description="Films")
    def film_count(self, person: Person) -> int:
        return person.film_count


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "movie_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Genre]:
        return super().get_queryset(request).annotate(movie_count=Count("movies"))

    @admin.display(ordering="movie_count", description="Movies")
    def movie_count(self, genre: Genre) -> int:
        return genre.movie_count


# --- Jobs ------------------------------------------------------------------------------
