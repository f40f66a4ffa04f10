"""The OpenAPI schema the API serves at /api/v1/schema/, made without a request (for the
authorisation matrix and the Schemathesis run)."""

import json
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


def openapi_schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))
