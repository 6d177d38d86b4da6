from django.apps import AppConfig


class SocialConfig(AppConfig):
    """What people share: diary, reviews, lists, follows, blocks, notifications."""

    name = "social"
    default_auto_field = "django.db.models.BigAutoField"
