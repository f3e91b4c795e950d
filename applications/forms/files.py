from django import forms
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from certportal.text import CheckedTextMixin

from .. import uploads
from ..models import MaterialFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that returns the list of every chosen file (validated as a batch by the form)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": uploads.ACCEPT_ATTRIBUTE, "class": "form-control"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f is not None]


class MaterialUploadForm(CheckedTextMixin, forms.Form):
    # A field named "files": the form's metaclass moves it into base_fields, so it never replaces BaseForm.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        required=False,
        help_text=_("PDF, JPEG or PNG; you may choose several files at once."),
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def clean_files(self):
        stored = MaterialFile.objects.filter(item__application=self.item.application_id).aggregate(s=Sum("size"))["s"]
        return uploads.check_batch(self.cleaned_data["files"], stored_total=stored or 0)

    @transaction.atomic
    def save(self, *, by) -> list:
        """Keep every file as a new version of the item (all of them, or none)."""
        return [
            self.item.add_file(
                checked.file,
                by=by,
                original_name=checked.name,
                content_type=checked.content_type,
                extension=checked.extension,
                sha256=checked.sha256,
            )
            for checked in self.cleaned_data["files"]
        ]


class ReceiptUploadForm(CheckedTextMixin, forms.Form):
    receipt = forms.FileField(
        label=_("Bank transfer receipt"),
        help_text=_("A PDF, JPEG or PNG of the transfer slip or the bank's confirmation."),
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT_ATTRIBUTE}),
    )

    def clean_receipt(self):
        (checked,) = uploads.check_batch([self.cleaned_data["receipt"]], stored_total=0)
        return checked

    def save(self, payment, *, by) -> None:
        checked = self.cleaned_data["receipt"]
        payment.upload_receipt(checked.file, by=by, original_name=checked.name, extension=checked.extension)
