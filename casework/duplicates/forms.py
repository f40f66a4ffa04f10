"""Choosing the values a merge keeps, and the enquiry to merge into another."""

from typing import Any

from django import forms

from enquiries.references import is_reference


class MergeForm(forms.Form):
    """One choice per field whose values differ: keep this record's, or the other's."""

    def __init__(self, *args: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in rows:
            if row["differs"]:
                self.fields[row["name"]] = forms.ChoiceField(
                    label=row["label"],
                    choices=[
                        ("survivor", row["survivor"] or "(empty)"),
                        ("merged", row["merged"] or "(empty)"),
                    ],
                    initial="survivor",
                    widget=forms.RadioSelect,
                )


class EnquiryMergeForm(forms.Form):
    other = forms.CharField(
        label="Reference of the enquiry to merge into this one",
        max_length=20,
        help_text="Its messages, documents, dates, notes, tasks, time, letters and outcomes "
        "join this enquiry; it is closed as a duplicate and its reference leads here.",
        error_messages={"required": "Enter the other enquiry's reference, like CR-2026-000123."},
    )
    survivor_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    merged_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean_other(self) -> str:
        value = self.cleaned_data["other"].strip().upper()
        if not is_reference(value):
            raise forms.ValidationError("Enter a reference like CR-2026-000123.")
        return value
