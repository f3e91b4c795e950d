from typing import cast

from django import forms
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from applications import uploads
from applications.forms.files import MultipleFileField
from certportal.text import CheckedTextMixin

from . import scoresheet
from .models import EvidenceFile, Indicator, ItemScore, Nonconformity, SpecialFinding

PHOTO_ACCEPT = "image/jpeg,image/png"


class ItemScoreForm(CheckedTextMixin, forms.ModelForm):
    """One item of the scoring form, posted whole by the autosave (or by a plain form submit)."""

    class Meta:
        model = ItemScore
        fields = ["points", "not_applicable", "not_applicable_reason", "sample_size", "nonconforming_samples", "notes"]

    def clean(self):
        data = super().clean()
        samples = data.get("sample_size")
        if samples and self.instance.indicator.sampled:
            # Each nonconformity on a sampled item is one of its nonconforming samples (audits/scoresheet.py).
            raised = self.instance.audit.nonconformities.filter(indicator=self.instance.indicator)
            count = sum(1 for nc in raised if scoresheet.counts_against_item(nc))
            if samples < count:
                self.add_error(
                    "sample_size",
                    ngettext(
                        "This item has %(count)d nonconformity: at least %(count)d sample must have been checked.",
                        "This item has %(count)d nonconformities: at least %(count)d samples must have been checked.",
                        count,
                    )
                    % {"count": count},
                )
        return data


def leaf_choices(audit):
    return audit.indicator_set.leaves().order_by("order")


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.code} {obj.title}"


class NonconformityForm(CheckedTextMixin, forms.ModelForm):
    indicator = IndicatorChoiceField(
        label=gettext_lazy("Indicator"),
        queryset=Indicator.objects.none(),
        help_text=gettext_lazy(
            "The item then scores 0 whatever points were typed; on an item scored on samples, "
            "the nonconformity counts as a nonconforming sample."
        ),
    )

    class Meta:
        model = Nonconformity
        fields = ["indicator", "severity", "description", "due_date", "blocking"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, audit, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("due_date", Nonconformity.default_due_date())
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["indicator"]).queryset = leaf_choices(audit)


class SpecialFindingForm(CheckedTextMixin, forms.ModelForm):
    indicator = IndicatorChoiceField(label=gettext_lazy("Indicator"), queryset=Indicator.objects.none(), required=False)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity of the nonconformity"),
        choices=Nonconformity.Severity.choices,
        initial=Nonconformity.Severity.MINOR,
        required=False,
        help_text=gettext_lazy("For a special deduction, which becomes a nonconformity to correct."),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Correct by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    blocking = forms.BooleanField(
        label=gettext_lazy("Blocking finding (no positive recommendation whatever the score)"), required=False
    )

    class Meta:
        model = SpecialFinding
        fields = ["kind", "category", "indicator", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "kind": forms.RadioSelect}

    def __init__(self, *args, audit, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("due_date", Nonconformity.default_due_date())
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["indicator"]).queryset = leaf_choices(audit)
        self.fields["due_date"].required = False
        cast(
            forms.ChoiceField, self.fields["kind"]
        ).choices = SpecialFinding.Kind.choices  # radio buttons need no empty "---------" choice

    def clean(self):
        data = super().clean()
        if data.get("kind") == SpecialFinding.Kind.DEDUCTION:
            if not data.get("category"):
                self.add_error("category", _("Say on which ground the special deduction is made."))
            if not data.get("due_date"):
                self.add_error("due_date", _("A special deduction must be corrected: give a date."))
        return data

    def nonconformity_fields(self) -> dict:
        data = self.cleaned_data
        severity = data.get("severity") or Nonconformity.Severity.MINOR
        return {"severity": severity, "due_date": data.get("due_date"), "blocking": data["blocking"]}

    def _post_clean(self):
        pass  # the model is validated by Audit.add_special_finding, which also enforces the single bonus


class PhotoForm(CheckedTextMixin, forms.Form):
    photo = forms.FileField(
        label=gettext_lazy("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
    )
    indicator = forms.ModelChoiceField(queryset=Indicator.objects.none(), required=False)
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False)

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["indicator"]).queryset = leaf_choices(audit)

    def clean_photo(self):
        (checked,) = uploads.check_batch([self.cleaned_data["photo"]], stored_total=0)
        if checked.content_type not in PHOTO_ACCEPT.split(","):
            raise forms.ValidationError(
                _("The file “%(name)s” is not a photo: JPEG or PNG only.")
                % {"name": uploads.display_name(checked.name)}
            )
        return checked


class RespondForm(CheckedTextMixin, forms.Form):
    response = forms.CharField(
        label=gettext_lazy("Corrective action taken"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("What you changed, from when, and how you make sure it stays that way."),
    )
    # A field named "files": the form's metaclass moves it into base_fields, so it never replaces BaseForm.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label=gettext_lazy("Evidence"),
        required=False,
        help_text=gettext_lazy("PDF, JPEG or PNG: records, photos, revised procedures. You may choose several files."),
    )

    def __init__(self, *args, nonconformity, **kwargs):
        super().__init__(*args, **kwargs)
        self.nonconformity = nonconformity

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            return []
        application = self.nonconformity.audit.application_id
        stored = EvidenceFile.objects.filter(
            corrective_action__nonconformity__audit__application=application
        ).aggregate(s=Sum("size"))["s"]
        return uploads.check_batch(files, stored_total=stored or 0)


class ReopenForm(CheckedTextMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the correction is not sufficient"), widget=forms.Textarea(attrs={"rows": 3})
    )
