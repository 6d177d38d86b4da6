from __future__ import annotations

from django import forms
from django.utils import timezone

from ratings.models import MAX_SCORE, MIN_SCORE
from social.models import (
    LIST_NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    REVIEW_MAX_LENGTH,
    MovieList,
)

_HALF_STARS = [("", "No score")] + [
    (str(MIN_SCORE * step), f"{MIN_SCORE * step} ★")
    for step in range(int(MAX_SCORE / MIN_SCORE), 0, -1)
]


class DiaryEntryForm(forms.Form):
    watched_on = forms.DateField(
        label="Watched on",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rewatch = forms.BooleanField(label="I had seen it before", required=False)
    score = forms.TypedChoiceField(
        choices=_HALF_STARS,
        required=False,
        coerce=str,
        empty_value=None,
        help_text="Also sets your rating.",
    )
    review = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=REVIEW_MAX_LENGTH,
        strip=False,
        help_text="Plain text; a blank line starts a new paragraph.",
    )
    contains_spoilers = forms.BooleanField(label="Contains spoilers", required=False)

    def service_fields(self) -> dict:
        """The cleaned data as the diary services take it: no text means no review."""
        data = dict(self.cleaned_data)
        data["review"] = data["review"] if data["review"].strip() else None
        return data


class MovieListForm(forms.Form):
    name = forms.CharField(max_length=LIST_NAME_MAX_LENGTH)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=REVIEW_MAX_LENGTH
    )
    ranked = forms.BooleanField(label="Ranked (numbered)", required=False)
    visibility = forms.ChoiceField(
        choices=MovieList.Visibility.choices, initial=MovieList.Visibility.PUBLIC
    )


class ListEntryForm(forms.Form):
    movie_list = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(max_length=NOTE_MAX_LENGTH, required=False)


class ReportForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REPORT_REASON_MAX_LENGTH,
        help_text="What is wrong with it? The moderators read every report.",
    )


class LetterboxdImportForm(forms.Form):
    file = forms.FileField(
        label="Letterboxd export (zip)",
        help_text="On Letterboxd: Settings → Import & Export → Export your data.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
