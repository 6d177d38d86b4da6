from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    """A site user. MovieLens raters are imported as real users who cannot log in."""

    is_imported = models.BooleanField(
        default=False, help_text="Created by a MovieLens import; has no usable password."
    )
    movielens_id = models.PositiveIntegerField(null=True, blank=True, unique=True)

    class Meta:
        constraints = [
            # Django marks unusable passwords with a leading "!".
            models.CheckConstraint(
                condition=Q(is_imported=False) | Q(password__startswith="!"),
                name="imported_users_cannot_log_in",
            ),
            models.CheckConstraint(
                condition=Q(is_imported=False) | Q(movielens_id__isnull=False),
                name="imported_users_have_movielens_id",
            ),
        ]

    def __str__(self) -> str:
        return self.username
