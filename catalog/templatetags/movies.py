"""Template helpers shared by every page that shows a movie."""

from django import template

from catalog.titles import ARTICLES

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


_ARTICLES = {article.casefold() for article in ARTICLES}


@register.filter
def initials(title: str) -> str:
    """Up to two initials for the poster placeholder: "The Big Lebowski" -> "BL", "Das
    Boot (The Boat)" -> "B" (articles and the alternative title in parentheses left out)."""
    main = title.split(" (", 1)[0] or title
    words = [word for word in main.replace(",", " ").split() if word[0].isalnum()]
    significant = [w for w in words if w.casefold() not in _ARTICLES] or words
    return "".join(word[0] for word in significant[:2]).upper()


@register.filter
def poster_hue(movie) -> int:
    """A stable colour per film for its placeholder, so a row of them is not a wall of one hue."""
    return (movie.pk * 47) % 360
