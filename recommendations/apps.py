from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The catalogue sits below this app and cannot call it: it announces, we listen.
        from catalog.signals import embedding_finished
        from recommendations.tasks import provisional_model_complete

        embedding_finished.connect(
            provisional_model_complete, dispatch_uid="recommendations.provisional_model"
        )
