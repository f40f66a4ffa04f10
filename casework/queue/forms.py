"""The queue's filter panel (which filters show, and where) and the assign form."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django import forms
from django_filters.fields import ChoiceField, ModelChoiceField

from casework.models import Adviser
from enquiries.intake.forms import grouped_topic_choices
from enquiries.models import Status


class AssignForm(forms.Form):
    adviser = forms.ModelChoiceField(
        label="Assign to",
        queryset=Adviser.objects.filter(is_active=True).select_related("user"),
        required=False,
        empty_label="Team queue (unassigned)",
    )
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)

    def __init__(self, *args, advisers=None, **kwargs):
        """``advisers``: the choices' rows if already read (with a page's others); a choice
        is still checked against the field's queryset."""
        super().__init__(*args, **kwargs)
        if advisers is not None:
            field = cast(forms.ModelChoiceField, self.fields["adviser"])
            field.choices = [
                ("", field.empty_label),
                *((a.pk, field.label_from_instance(a)) for a in advisers),
            ]


class BulkForm(forms.Form):
    """What to do with the rows ticked on the queue page. Prefixed: the filter form on
    the same page has fields of the same names."""

    prefix = "bulk"

    ACTIONS = [
        ("claim", "Claim them (add to my queue)"),
        ("status", "Change their status"),
        ("assign", "Assign them to an adviser"),
        ("unassign", "Return them to the team queue"),
        ("letter", "Issue each of them a letter"),
    ]
    MANAGER_ACTIONS = {"assign", "unassign", "letter"}
    selected = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": "Tick at least one enquiry in the list."},
    )
    action = forms.ChoiceField(
        label="With the selected enquiries",
        error_messages={"required": "Choose what to do with the selected enquiries."},
    )
    status = forms.ChoiceField(label="New status", required=False)
    adviser = forms.ModelChoiceField(
        label="Assign to adviser",
        queryset=Adviser.objects.filter(is_active=True).select_related("user"),
        required=False,
    )
    template = forms.ChoiceField(
        label="Letter to issue",
        required=False,
        help_text="One letter each, made in the background; letters that need your own "
        "words in each one are written from the enquiry instead.",
        error_messages={
            "invalid_choice": "That letter cannot be issued in bulk: choose one from the list."
        },
    )
    publish = forms.BooleanField(
        label="Publish each letter to its group's enquiry (they are emailed a link)",
        required=False,
        initial=True,
    )

    def __init__(
        self,
        *args: object,
        is_manager: bool,
        selectable: list[int],
        templates: Sequence[tuple[str, str]] = (),
        **kwargs: object,
    ):
        """``templates``: (slug, name) of the letters that may be issued in bulk."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        actions = [a for a in self.ACTIONS if is_manager or a[0] not in self.MANAGER_ACTIONS]
        self.fields["action"].choices = actions  # type: ignore[attr-defined]
        self.fields["selected"].choices = [(pk, pk) for pk in selectable]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", "–"), *Status.choices]  # type: ignore[attr-defined]
        self.fields["template"].choices = [("", "–"), *templates]  # type: ignore[attr-defined]
        if not is_manager:
            for name in ("adviser", "template", "publish"):
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", "Choose the new status.")
        if data.get("action") == "assign" and not data.get("adviser"):
            self.add_error("adviser", "Choose the adviser to assign them to.")
        if data.get("action") == "letter" and not data.get("template") and "template" in data:
            self.add_error("template", "Choose the letter to issue.")
        return data


MAIN_FILTERS = ["q", "status", "topic", "area", "channel", "age", "sla", "ordering"]


MORE_FILTERS = ["priority", "region", "received_after", "received_before", "unassigned"]


MANAGER_FILTERS = ["adviser"]


@dataclass(frozen=True)
class QueueFilters:
    form: forms.Form
    main: list[forms.BoundField]
    more: list[forms.BoundField]

    @property
    def more_in_use(self) -> bool:
        """Open the "more filters" section when one of its fields is set or wrong."""
        return any(field.value() not in (None, "", []) or field.errors for field in self.more)


def queue_filters(form: forms.Form, *, is_manager: bool) -> QueueFilters:
    """Lay out the queue's FilterSet form for people: plain choices and clear labels.

    Changes labels, widgets and displayed choices only; what a value means is
    still decided by ``casework.queue.filters.EnquiryFilter``.
    """
    fields = form.fields
    fields["q"].widget = forms.TextInput(attrs={"type": "search"})
    fields["status"].widget = forms.CheckboxSelectMultiple(choices=Status.choices)
    fields["status"].help_text = "Open enquiries only, unless you tick statuses."
    # Only what is shown changes (widget choices); the filter's own choices still validate.
    fields["topic"].widget.choices = [("", "Any topic")] + grouped_topic_choices()[1:]
    for name, anything in [
        ("area", "Any area"),
        ("region", "Any region"),
        ("adviser", "Any adviser"),
        ("channel", "Any channel"),
        ("priority", "Any priority"),
        ("age", "Any age"),
        ("sla", "Any"),
    ]:
        field = cast(ChoiceField | ModelChoiceField, fields[name])  # the filters' own fields
        field.empty_label = anything
        field.widget.choices = field.choices
    fields["age"].label = "Age (days since received)"
    for name in ("received_after", "received_before"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    fields["unassigned"].label = "Assigned or not"
    fields["unassigned"].widget = forms.Select(
        choices=[("", "Either"), ("true", "Unassigned only"), ("false", "Assigned only")]
    )
    fields["ordering"].widget.choices = [
        ("", "Priority, then oldest first"),
        ("deadline", "Nearest statutory deadline first"),
        ("sla", "Nearest service-level breach first"),
        ("received", "Oldest first"),
        ("-received", "Newest first"),
        ("-priority", "Highest priority first"),
        ("priority", "Lowest priority first"),
        ("reference", "Reference"),
        ("-reference", "Reference, reversed"),
        ("status", "Status"),
        ("-status", "Status, reversed"),
    ]
    more = MORE_FILTERS + (MANAGER_FILTERS if is_manager else [])
    return QueueFilters(
        form=form, main=[form[name] for name in MAIN_FILTERS], more=[form[name] for name in more]
    )
