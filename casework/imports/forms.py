"""The managers' import forms: upload a file to a source, then match its columns."""

from typing import Any

from django import forms

from casework.imports.columns import FIELDS
from casework.models import ImportSource
from enquiries.models import Channel


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="The first row holds the column headings. Nothing is imported until you "
        "have checked the rows.",
        error_messages={"required": "Choose the file to import."},
    )
    source = forms.ModelChoiceField(
        label="Source",
        queryset=ImportSource.objects.all(),
        required=False,
        empty_label="A new source (name it below)",
        help_text="Where the records come from: its column choices are remembered.",
    )
    source_name = forms.CharField(
        label="New source's name",
        max_length=120,
        required=False,
        help_text="For example “Old CRM” or “Casework spreadsheet 2019-2023”.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("source") and not (data.get("source_name") or "").strip():
            self.add_error("source_name", "Choose a source, or name a new one.")
        return data


class ColumnsForm(forms.Form):
    """One choice per desk field: the file's column that holds it, if any."""

    def __init__(self, *args: Any, headings: list[str], mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in this file"), *((h, h) for h in headings if h)]
        for field in FIELDS:
            self.fields[field.name] = forms.ChoiceField(
                label=field.label + ("" if field.required else " (optional)"),
                choices=choices,
                required=field.required,
                initial=mapping.get(field.name, ""),
                error_messages={
                    "required": f"Choose the column that holds “{field.label}”: it is needed."
                },
            )
        self.fields["default_channel"] = forms.ChoiceField(
            label="Channel of rows that give none",
            choices=Channel.choices,
            initial=kwargs.get("initial", {}).get("default_channel", Channel.EMAIL),
        )

    def mapping(self) -> dict[str, str]:
        return {f.name: self.cleaned_data.get(f.name) or "" for f in FIELDS}
