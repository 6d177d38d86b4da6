from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import ApiToken, User


class ImportedUserFilter(admin.SimpleListFilter):
    """Real accounts versus MovieLens raters; `field` points at User.is_imported."""

    title = "account"
    parameter_name = "imported"
    field = "is_imported"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("no", "Real (signed up)"), ("yes", "Imported from MovieLens")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in {"yes", "no"}:
            return queryset.filter(**{self.field: self.value() == "yes"})
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_imported", "is_staff", "date_joined")
    list_filter = (ImportedUserFilter, "profile_is_public", *DjangoUserAdmin.list_filter)
    readonly_fields = ("is_imported", "movielens_id")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Privacy", {"fields": ("profile_is_public", "allow_group_recommendations")}),
        ("MovieLens", {"fields": ("is_imported", "movielens_id")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked (deleted), never issued or edited here: a token
    is issued to its owner's app, and the digest would open nothing anyway."""

    list_display = ("user", "name", "key_prefix", "created", "last_used", "expires")
    list_select_related = ("user",)
    search_fields = ("user__username", "name", "key_prefix")
    fields = ("user", "name", "key_prefix", "created", "last_used", "expires")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
