from django import forms
from django.core.exceptions import ValidationError

from ratings.rating_import import MAX_IMPORT_BYTES
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
