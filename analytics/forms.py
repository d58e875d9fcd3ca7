from datetime import date, timedelta

from django import forms
from django.utils import timezone

DEFAULT_DAYS = 30
MAX_DAYS = 366


def default_range() -> tuple[date, date]:
    today = timezone.now().date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def range_errors(start: date, end: date) -> dict[str, str]:
    """Rules for a dashboard date range, shared by the HTML form and the API query serializer."""
    if start > end:
        return {"from": "The start must not be after the end."}
    if (end - start).days >= MAX_DAYS:
        return {"from": f"The range may span at most {MAX_DAYS} days."}
    return {}


class DateRangeForm(forms.Form):
    """GET ?from=YYYY-MM-DD&to=YYYY-MM-DD (both inclusive, UTC days); defaults to the last 30 days."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        start, end = default_range()
        # "from" is a Python keyword, so the fields are added here rather than declared.
        self.fields["from"] = forms.DateField(
            required=False, initial=start, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(required=False, initial=end, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        default_start, default_end = default_range()
        cleaned["from"] = cleaned.get("from") or default_start
        cleaned["to"] = cleaned.get("to") or default_end
        for field, message in range_errors(cleaned["from"], cleaned["to"]).items():
            self.add_error(field, message)
        return cleaned

    def date_range(self) -> tuple[date, date]:
        """The valid range, or the default one when the input is invalid (the errors are shown beside the form)."""
        if self.is_valid():
            return self.cleaned_data["from"], self.cleaned_data["to"]
        return default_range()
