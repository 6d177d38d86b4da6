"""End the cached API token lookups (accounts.token_cache) whenever their answer changes,
however it changes: a token deleted (revoked, signed out, expired and swept, its user
deleted, or in the admin) and a user saved (deactivated, made staff, renamed...). The one
change made without a signal, a suspension's QuerySet.update, ends them itself
(social.services.user_suspend)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import ApiToken, User
from accounts.token_cache import api_tokens_uncache, user_tokens_uncache

# Saved on every sign-in, and of no consequence to an API request.
_UNCACHED_FIELDS = frozenset({"last_login"})


@receiver(post_delete, sender=ApiToken, dispatch_uid="accounts_uncache_deleted_token")
def api_token_uncache_after_delete(sender, instance: ApiToken, **kwargs) -> None:
    # Inside the deletion's transaction: if Redis cannot end the entry, nothing is deleted.
    api_tokens_uncache(digests=[instance.digest])


@receiver(post_save, sender=User, dispatch_uid="accounts_uncache_saved_user")
def user_tokens_uncache_after_save(
    sender, instance: User, created: bool, raw: bool, update_fields, **kwargs
) -> None:
    if created or raw or (update_fields is not None and update_fields <= _UNCACHED_FIELDS):
        return
    user_tokens_uncache(user_id=instance.pk)
