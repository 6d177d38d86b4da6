from django import forms
from django.core.exceptions import ValidationError

from ratings.uploads import movielens_archive_check


class MovieLensImportForm(forms.Form):
    archive = forms.FileField(required=False, label="MovieLens zip")
    source = forms.CharField(
        required=False, max_length=1000, label="or a URL or server path (zip or folder)"
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive:
            movielens_archive_check(archive)
        return archive

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("archive")) == bool(data.get("source", "").strip()):
            raise ValidationError("Upload a MovieLens zip or give a URL or path, not both.")
        return data
