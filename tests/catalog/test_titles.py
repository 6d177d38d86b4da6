"""Natural titles: MovieLens' library form read the way people say it, and the migration
that converts titles stored before."""

import pytest

from catalog.titles import natural_title
from tests.core.test_model_moves import migrate, scratch  # noqa: F401


@pytest.mark.parametrize(
    ("movielens", "natural"),
    [
        ("Boot, Das (Boat, The)", "Das Boot (The Boat)"),
        ("Matrix, The", "The Matrix"),
        ("Bug's Life, A", "A Bug's Life"),
        ("Officer and a Gentleman, An", "An Officer and a Gentleman"),
        ("Misérables, Les", "Les Misérables"),
        ("Atalante, L'", "L'Atalante"),
        ("Avventura, L' (Adventure, The)", "L'Avventura (The Adventure)"),
        ("Mariachi, El", "El Mariachi"),
        ("Tin Drum, The (Blechtrommel, Die)", "The Tin Drum (Die Blechtrommel)"),
        ("Name of the Rose, The (Name der Rose, Der)", "The Name of the Rose (Der Name der Rose)"),
        ("Mondays in the Sun (Lunes al sol, Los)", "Mondays in the Sun (Los Lunes al sol)"),
        ("Seventh Seal, The (Sjunde inseglet, Det)", "The Seventh Seal (Det Sjunde inseglet)"),
        ("Children Are Watching Us, The (Bambini ci guardano, I)",
         "The Children Are Watching Us (I Bambini ci guardano)"),
        ("Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il)",
         "The Good, the Bad and the Ugly (Il Buono, il brutto, il cattivo)"),
        ("Vitelloni, I (a.k.a. The Young and the Passionate)",
         "I Vitelloni (a.k.a. The Young and the Passionate)"),
        ("Protector, The (a.k.a. Warrior King) (Tom yum goong)",
         "The Protector (a.k.a. Warrior King) (Tom yum goong)"),
        # Already natural, or commas that are part of the title: unchanged.
        ("The City of Lost Children (La Cité des enfants perdus)",
         "The City of Lost Children (La Cité des enfants perdus)"),
        ("I, Robot", "I, Robot"),
        ("Paris, Texas", "Paris, Texas"),
        ("Tinker, Tailor, Soldier, Spy", "Tinker, Tailor, Soldier, Spy"),
        ("1-900 (06)", "1-900 (06)"),
        ("Alien³ (a.k.a. Alien 3)", "Alien³ (a.k.a. Alien 3)"),
        ("", ""),
    ],
)  # fmt: skip
def test_natural_title(movielens, natural):
    assert natural_title(movielens) == natural
    assert natural_title(natural) == natural  # a second pass changes nothing


BEFORE = [("catalog", "0008_movie_map")]
AFTER = [("catalog", "0009_natural_titles")]


def test_the_migration_makes_stored_titles_natural_and_keeps_the_old_spelling(scratch):  # noqa: F811
    old_apps = migrate(scratch, BEFORE)
    old_movies = old_apps.get_model("catalog.Movie").objects.using(scratch.alias)
    for movielens_id, title in enumerate(
        # As the importer stored them before: only an English article moved, in the title.
        ["Boot, Das (Boat, The)", "The City of Lost Children (Cité des enfants perdus, La)",
         "The Godfather", "Heat"],
        start=1,
    ):  # fmt: skip
        old_movies.create(movielens_id=movielens_id, title=title, needs_embedding=False)

    new_apps = migrate(scratch, AFTER)

    movies = new_apps.get_model("catalog.Movie").objects.using(scratch.alias).order_by("pk")
    assert [(m.title, m.movielens_title, m.needs_embedding) for m in movies] == [
        ("Das Boot (The Boat)", "Boot, Das (Boat, The)", True),
        ("The City of Lost Children (La Cité des enfants perdus)",
         "The City of Lost Children (Cité des enfants perdus, La)", True),
        ("The Godfather", "", False),
        ("Heat", "", False),
    ]  # fmt: skip
