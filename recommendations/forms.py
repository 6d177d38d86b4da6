from django import forms

from recommendations.config import ALGORITHM_CHOICES


class WatchTogetherForm(forms.Form):
    friend = forms.CharField(
        label="Your friend's username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        help_text="They must allow Watch Together picks in their settings.",
    )


class RecommenderChoiceForm(forms.Form):
    algorithm = forms.ChoiceField(
        label="Recommender", choices=ALGORITHM_CHOICES, widget=forms.RadioSelect
    )
