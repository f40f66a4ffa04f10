"""Forms for cases and outcomes: close an enquiry with an outcome, open a case, move it on,
add an enquiry, record a case outcome, edit the case. Forms check shape; services decide."""

from typing import cast

from django import forms

from casework.desk.forms import DetailsEditForm
from casework.models import Adviser, Case
from casework.outcomes import DETAIL_MAX_LENGTH, REFERRED_TO_MAX_LENGTH, OutcomeCode, PlanStage
from config.limits import max_length
from config.widgets import QuickSelect

CODE_ERRORS = {
    "required": "Choose an outcome from the list.",
    "invalid_choice": "Choose an outcome from the list.",
}


class OutcomeForm(forms.Form):
    code = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose an outcome"), *OutcomeCode.choices],
        widget=QuickSelect,
        error_messages=CODE_ERRORS,
    )
    detail = forms.CharField(
        label="Detail (a reason is required for \u201cright not used\u201d)",
        required=False,
        max_length=DETAIL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referred_to = forms.CharField(
        label="Referred to (for a referral)",
        required=False,
        max_length=REFERRED_TO_MAX_LENGTH,
        help_text="The specialist or partner organisation.",
    )
    consent_to_refer = forms.BooleanField(
        label="The group consented to the referral", required=False
    )
    plan_stage = forms.ChoiceField(
        label="Plan stage reached (for \u201cplan stage reached\u201d)",
        required=False,
        choices=[("", "Not applicable"), *PlanStage.choices],
        widget=QuickSelect,
        error_messages={"invalid_choice": "Choose a plan stage from the list."},
    )


class CaseOutcomeForm(OutcomeForm):
    """An outcome on one of a case's enquiries."""

    enquiry = forms.ChoiceField(label="On enquiry", widget=QuickSelect)
    field_order = ["enquiry", "code", "detail", "referred_to", "consent_to_refer", "plan_stage"]

    def __init__(self, *args, enquiries=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["enquiry"]).choices = [
            (e.reference, str(e.reference)) for e in enquiries
        ]
        self.fields["enquiry"].error_messages["invalid_choice"] = (
            "Choose one of this case's enquiries."
        )


class OpenCaseForm(forms.Form):
    title = forms.CharField(
        label="Case title",
        max_length=max_length(Case, "title"),
        help_text="For example the building, the land or the plan.",
        error_messages={"required": "Give the case a title."},
    )
    plan_name = forms.CharField(
        label="Plan name (optional)",
        required=False,
        max_length=max_length(Case, "plan_name"),
    )


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New case status",
        choices=[("", "Choose a status"), *Case.Status.choices],
        error_messages={
            "required": "Choose a status from the list.",
            "invalid_choice": "Choose a status from the list.",
        },
    )


class CaseAddEnquiryForm(forms.Form):
    reference = forms.CharField(
        label="Enquiry reference",
        max_length=20,
        help_text="For example CR-2026-000123.",
        error_messages={"required": "Enter the enquiry's reference."},
    )


class CaseEditForm(DetailsEditForm):
    field_order = ["title", "lead_adviser", "asset_name", "asset_address", "plan_name"]

    title = forms.CharField(
        label="Case title",
        max_length=max_length(Case, "title"),
        error_messages={"required": "Give the case a title."},
    )
    lead_adviser = forms.ModelChoiceField(
        label="Lead adviser",
        queryset=Adviser.objects.none(),
        error_messages={
            "required": "Choose the adviser who leads the case.",
            "invalid_choice": "Choose an active adviser from the list.",
        },
    )
    plan_name = forms.CharField(
        label="Plan name", max_length=max_length(Case, "plan_name"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead_adviser"]).queryset = Adviser.objects.filter(
            is_active=True
        ).select_related("user")
