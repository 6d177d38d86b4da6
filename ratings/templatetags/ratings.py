"""Template helpers for scores: the star text and the half-star widget's steps."""

from decimal import Decimal

from django import template

from ratings.stars import HALF_STARS

register = template.Library()


@register.filter
def stars(score) -> str:
    """A score as text that reads the same to everyone: 4.5 -> "4.5 ★"."""
    value = Decimal(score)
    return f"{value.normalize():f} ★" if value % 1 else f"{int(value)} ★"


@register.simple_tag
def rating_steps() -> list[Decimal]:
    """0.5, 1.0, ..., 5.0: the scores the half-star widget offers."""
    return list(HALF_STARS)
