from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django's documented place to connect receivers: models are loaded by now.
        from accounts import receivers  # noqa: F401
