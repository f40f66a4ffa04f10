"""The style guide page: tokens, their contrast, and each component with when to use it."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from casework.desk.views import page, staff_required
from casework.styleguide import compose
from casework.styleguide.forms import ExampleComposerForm, ExampleFieldForm
from config.http import AuthenticatedHttpRequest


@require_safe
@staff_required
def styleguide(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "colours": compose.colour_rows(),
        "pairs": compose.text_pairs(),
        "spacing": compose.SPACING,
        "type_scale": compose.TYPE_SCALE,
        "field_form": ExampleFieldForm({"group_name": ""}, prefix="example"),
        "composer_form": ExampleComposerForm(prefix="composer"),
    }
    return page(request, "casework/styleguide.html", context)
