from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_imported", "is_staff", "date_joined")
    list_filter = ("is_imported", "profile_is_public", *DjangoUserAdmin.list_filter)
    readonly_fields = ("is_imported", "movielens_id")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Privacy", {"fields": ("profile_is_public", "allow_group_recommendations")}),
        ("MovieLens", {"fields": ("is_imported", "movielens_id")}),
    )
