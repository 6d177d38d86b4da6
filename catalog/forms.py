from django import forms

from catalog.browse import DEFAULT_SORT, SORTS
from catalog.filters import MovieFilters
from catalog.models import MAX_YEAR, MIN_YEAR

YEAR_BOUNDS = {"min_value": MIN_YEAR, "max_value": MAX_YEAR}
RELEVANCE = "relevance"


class BrowseForm(forms.Form):
    """The query string of /movies/. Never raises: a bad value becomes an error message and
    is left out of the filters, so the page still lists movies."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    genre = forms.ChoiceField(label="Genre", required=False)
    decade = forms.TypedChoiceField(label="Decade", required=False, coerce=int, empty_value=None)
    year_min = forms.IntegerField(label="From year", required=False, **YEAR_BOUNDS)
    year_max = forms.IntegerField(label="To year", required=False, **YEAR_BOUNDS)
    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(self, data, *, genres: list[str]):
        super().__init__(data)
        self.fields["genre"].choices = [("", "Any genre"), *((g, g) for g in genres)]
        self.fields["decade"].choices = [("", "Any decade")] + [
            (str(d), f"{d}s") for d in range(2020, 1880, -10)
        ]
        sorts = [(key, label) for key, (label, _) in SORTS.items()]
        if self.searching:
            sorts.insert(0, (RELEVANCE, "Best match"))
        self.fields["sort"].choices = sorts
        messages = {
            "genre": {"invalid_choice": "There is no genre called “%(value)s”."},
            "decade": {"invalid_choice": "“%(value)s” is not a decade; pick one such as 1990s."},
            "sort": {"invalid_choice": "“%(value)s” is not a way to sort."},
        }
        for name, field in self.fields.items():
            field.error_messages.update(messages.get(name, {}))
            if isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = "Enter a year such as 1995."

    @property
    def searching(self) -> bool:
        return bool(self.data.get("q", "").strip())

    @property
    def submitted_empty_query(self) -> bool:
        """The search box was sent blank (not merely absent, as on a plain browse)."""
        return "q" in self.data and not self.searching

    def clean(self):
        cleaned = super().clean()
        year_min, year_max = cleaned.get("year_min"), cleaned.get("year_max")
        if year_min is not None and year_max is not None and year_min > year_max:
            message = f"“To year” ({year_max}) is before “From year” ({year_min})."
            self.add_error("year_max", message)
        return cleaned

    def filters(self) -> MovieFilters:
        """The valid part of the query as filters (call after is_valid())."""
        values = {
            name: self.cleaned_data.get(name)
            for name in ("genre", "decade", "year_min", "year_max")
            if name not in self.errors
        }
        return MovieFilters(**{name: value or None for name, value in values.items()})

    def chosen_sort(self) -> str:
        chosen = self.cleaned_data.get("sort") if "sort" not in self.errors else None
        return chosen or (RELEVANCE if self.searching else DEFAULT_SORT)
