from django.apps import AppConfig


class SocialConfig(AppConfig):
    """What people share: diary, reviews, lists, follows, blocks, notifications."""

    name = "social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # ratings sits below and cannot call us: its "download my data" takes sections.
        from ratings.selectors import EXPORT_SECTIONS as RATINGS_EXPORT
        from social.exports import EXPORT_SECTIONS

        RATINGS_EXPORT.update(EXPORT_SECTIONS)
