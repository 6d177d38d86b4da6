from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from accounts.admin import ImportedUserFilter, UserAdmin
from accounts.models import User
from ratings.models import Rating
from ratings.stars import HALF_STARS


class ScoreFilter(admin.SimpleListFilter):
    # Fixed choices: listing the distinct scores would scan every rating.
    title = "score"
    parameter_name = "score"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(str(step.normalize()), f"{step.normalize()} ★") for step in HALF_STARS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Rating]) -> QuerySet[Rating]:
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(score=Decimal(self.value()))
        except InvalidOperation:
            raise IncorrectLookupParameters(f"Not a score: {self.value()!r}") from None


class RatingUserFilter(ImportedUserFilter):
    title = "user"
    field = "user__is_imported"


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read only: ratings change through the site, the API and imports, which keep the
    movie counters exact."""

    list_display = ("user", "movie", "score", "updated_at")
    list_filter = (ScoreFilter, RatingUserFilter)
    search_fields = ("user__username", "movie__title")
    list_select_related = ("user", "movie")
    # Tens of millions of rows: no second count of the whole table, newest first by index.
    show_full_result_count = False
    ordering = ("-pk",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rating]:
        # Only what the pages show: a movie row carries a 384-float embedding.
        return (
            super()
            .get_queryset(request)
            .select_related("user", "movie")
            .only(
                "score", "created_at", "updated_at", "user__username", "movie__title", "movie__year"
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Rating | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Rating | None = None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class RatedUserAdmin(UserAdmin):
    """The users admin with each user's number of ratings, which live in this app."""

    list_display = (*UserAdmin.list_display[:3], "ratings_count", *UserAdmin.list_display[3:])

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # A correlated subquery is counted for the page's rows only (through the
        # rating_user_recent index); a JOIN + GROUP BY would count every rating first.
        ratings = (
            Rating.objects.filter(user=OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(ratings_count=Coalesce(Subquery(ratings), 0))

    @admin.display(description="Ratings", ordering="ratings_count")
    def ratings_count(self, user: User) -> int:
        return user.ratings_count
