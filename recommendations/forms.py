import re

from django import forms
from django.core.exceptions import ValidationError

from ratings.rating_import import MAX_IMPORT_BYTES
from recommendations.config import ALGORITHM_CHOICES, MAX_GROUP_MEMBERS


class OnboardingGenresForm(forms.Form):
    genres = forms.MultipleChoiceField(
        label="Favourite genres",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pick a few, or none: the next step shows films from all genres.",
    )

    def __init__(self, *args, genres: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genres"].choices = [(genre, genre) for genre in genres]


class RatingImportForm(forms.Form):
    file = forms.FileField(
        label="Export file (CSV)",
        help_text=(
            "Letterboxd: Settings → Data → Export, then upload <code>ratings.csv</code> from "
            "the zip. IMDb: Your ratings → ⋯ → Export. At most "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading: Django has already spooled a big upload to disk, not memory.
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"This file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_IMPORT_BYTES // 1024 // 1024} MB.",
                code="too_big",
            )
        return upload


class WatchTogetherForm(forms.Form):
    """Who watches with the viewer: usernames typed (separated by commas or spaces) and
    people ticked from those they follow, all sent as `others`."""

    others = forms.CharField(
        label="Who's watching with you",
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        help_text=(
            f"Up to {MAX_GROUP_MEMBERS} usernames, separated by commas. Each must allow "
            "Watch Together picks in their settings."
        ),
    )

    def __init__(self, names: list[str] | None = None, **kwargs):
        data = None if names is None else {"others": ", ".join(names)}
        super().__init__(data, **kwargs)

    def clean_others(self) -> list[str]:
        names = list(
            dict.fromkeys(
                n.casefold() for n in re.split(r"[,\s]+", self.cleaned_data["others"]) if n
            )
        )
        if not names:
            raise ValidationError("Name at least one person to watch with.", code="empty")
        if len(names) > MAX_GROUP_MEMBERS:
            raise ValidationError(
                f"At most {MAX_GROUP_MEMBERS} people besides you ({len(names)} named).",
                code="too_many",
            )
        return names


class RecommenderChoiceForm(forms.Form):
    algorithm = forms.ChoiceField(
        label="Recommender", choices=ALGORITHM_CHOICES, widget=forms.RadioSelect
    )
