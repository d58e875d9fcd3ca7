from django import forms

from .models import NOTE_MAX_LENGTH, Report


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect, label="What is wrong with it?")
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH, "placeholder": "Anything moderators should know"}
        ),
        label="Note (optional)",
    )
