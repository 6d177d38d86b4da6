"""Template helpers shared by every page that shows a movie."""

from decimal import Decimal

from django import template

from ratings.models import MAX_SCORE, MIN_SCORE

register = template.Library()

POSTER_BASE = "https://image.tmdb.org/t/p/"
RATING_STEPS = [MIN_SCORE * n for n in range(1, int(MAX_SCORE / MIN_SCORE) + 1)]


@register.filter
def poster_url(movie, size: str = "w342") -> str:
    """TMDB's image URL for the movie's poster, or "" when TMDB has none."""
    return f"{POSTER_BASE}{size}{movie.poster_path}" if movie.poster_path else ""


@register.filter
def initials(title: str) -> str:
    """Up to two initials for the poster placeholder: "The Big Lebowski" -> "BL"."""
    words = [word for word in title.replace(",", " ").split() if word[0].isalnum()]
    significant = [w for w in words if w.lower() not in {"the", "a", "an"}] or words
    return "".join(word[0] for word in significant[:2]).upper()


@register.filter
def poster_hue(movie) -> int:
    """A stable colour per film for its placeholder, so a row of them is not a wall of one hue."""
    return (movie.pk * 47) % 360


@register.filter
def stars(score) -> str:
    """A score as text that reads the same to everyone: 4.5 -> "4.5 ★"."""
    value = Decimal(score)
    return f"{value.normalize():f} ★" if value % 1 else f"{int(value)} ★"


@register.simple_tag
def rating_steps() -> list[Decimal]:
    """0.5, 1.0, ..., 5.0: the scores the half-star widget offers."""
    return RATING_STEPS
