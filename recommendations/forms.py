import re

from django import forms
from django.core.exceptions import ValidationError

from recommendations.config import ALGORITHM_CHOICES, MAX_GROUP_MEMBERS


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
