"""Forms for the managers' service-level page. They check shape; the service decides
(the range and the order of the numbers are ``ServiceLevelTarget.clean``'s)."""

from typing import cast

from django import forms

from knowledgebase.models import ServiceLevelTarget, Topic


def _days_field(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": f"Enter the {label.lower()} as a whole number.",
        },
        widget=forms.NumberInput(
            attrs={
                "inputmode": "numeric",
                "class": "input-short",
                "min": 1,  # the browser's hint; the rule is the model's
                "max": ServiceLevelTarget.MAX_WORKING_DAYS,
            }
        ),
    )


class TargetForm(forms.Form):
    first_response_days = _days_field(
        "Working days to first response", "A public reply or a call logged stops this clock."
    )
    resolution_days = _days_field(
        "Working days to resolution", "Answered or closed. At least the days to first response."
    )


class AddTargetForm(TargetForm):
    topic = forms.ModelChoiceField(
        label="Topic",
        queryset=Topic.objects.none(),
        empty_label="Choose a topic",
        help_text="Its sub-topics without a target of their own follow it.",
        error_messages={
            "required": "Choose the topic the target is for.",
            "invalid_choice": "Choose a topic from the list that has no target yet.",
        },
    )

    field_order = ["topic", "first_response_days", "resolution_days"]

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["topic"]).queryset = topics
