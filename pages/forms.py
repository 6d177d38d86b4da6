from django import forms


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
