"""Template helpers shared by every page that shows a movie."""

from django import template

register = template.Library()

POSTER_BASE = "https://image.tmdb.org/t/p/"


@register.filter
def poster_url(movie, size: str = "w342") -> str:
    """TMDB's image URL for the movie's poster, or "" when TMDB has none."""
    return f"{POSTER_BASE}{size}{movie.poster_path}" if movie.poster_path else ""


@register.filter
def profile_url(person, size: str = "w185") -> str:
    """TMDB's image URL for a person's photo, or "" when TMDB has none."""
    return f"{POSTER_BASE}{size}{person.profile_path}" if person.profile_path else ""


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
