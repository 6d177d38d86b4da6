"""Keeps the movies' rating counters right when an account is deleted, however it is deleted
(the account page, the API or the admin): accounts sits below ratings and cannot call it."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import User
from ratings.services import user_ratings_uncount


@receiver(pre_delete, sender=User, dispatch_uid="ratings_uncount_deleted_user")
def user_ratings_uncount_before_delete(sender, instance: User, **kwargs) -> None:
    # Runs inside the deletion's transaction, before the cascade removes the ratings.
    user_ratings_uncount(user=instance)
