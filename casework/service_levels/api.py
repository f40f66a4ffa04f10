"""Staff REST API for service-level targets (``knowledgebase.ServiceLevelTarget``).

Desk staff read them; managers add a topic's target, change any target's numbers and
remove a topic's target, through ``casework.service_levels.services`` (which records who).
Bad numbers (0, resolution before first response) are a 400 with the field; nothing
changes. The default (``topic`` null) cannot be removed.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from casework import policies
from casework.desk.api import ERROR, FIELD_ERRORS, STAFF
from casework.desk.selectors import person
from casework.service_levels import services
from config.api import AuthenticatedRequest
from knowledgebase import selectors as kb_selectors
from knowledgebase.models import ServiceLevelTarget, Topic


class ServiceLevelSerializer(serializers.ModelSerializer):
    topic: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The topic's slug; null for the default that covers every other topic.",
    )
    updated_by = serializers.SerializerMethodField(help_text="Who last changed it.")

    class Meta:
        model = ServiceLevelTarget
        fields = ["id", "topic", "first_response_days", "resolution_days", "updated_at"]
        fields += ["updated_by"]
        read_only_fields = fields

    def get_updated_by(self, target: ServiceLevelTarget) -> str | None:
        return person(target.updated_by)


class ServiceLevelInputSerializer(serializers.Serializer):
    first_response_days = serializers.IntegerField(
        help_text=f"Working days to the first public reply or call logged: "
        f"1 to {ServiceLevelTarget.MAX_WORKING_DAYS}."
    )
    resolution_days = serializers.IntegerField(
        help_text="Working days to answer or close: at least first_response_days."
    )


class ServiceLevelPatchSerializer(serializers.Serializer):
    first_response_days = serializers.IntegerField(required=False)
    resolution_days = serializers.IntegerField(required=False)


class ServiceLevelAddSerializer(ServiceLevelInputSerializer):
    topic: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.filter(is_active=True),
        help_text="The topic's slug (a topic with no target yet).",
    )


def _require_manager(request: Request) -> None:
    # The service checks it too; checking first keeps a 403 ahead of a 400 on bad input.
    if not policies.is_manager(request.user):
        raise PermissionDenied("Only managers can change service levels.")


@extend_schema_view(
    get=extend_schema(
        summary="List the service-level targets",
        description="The default first (topic null), then each topic's target.",
        responses={200: ServiceLevelSerializer(many=True), 403: ERROR},
    ),
    post=extend_schema(
        summary="Add a topic's service-level target (managers)",
        request=ServiceLevelAddSerializer,
        responses={201: ServiceLevelSerializer, 400: FIELD_ERRORS, 403: ERROR},
    ),
)
class ServiceLevelCollectionView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = ServiceLevelSerializer

    def get_queryset(self):
        return kb_selectors.service_level_list()

    def post(self, request: AuthenticatedRequest) -> Response:
        _require_manager(request)
        data = ServiceLevelAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = services.service_level_add(actor=request.user, **data.validated_data)
        return Response(ServiceLevelSerializer(target).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="One service-level target",
        responses={200: ServiceLevelSerializer, 403: ERROR, 404: ERROR},
    ),
    put=extend_schema(
        summary="Change a target's numbers (managers)",
        request=ServiceLevelInputSerializer,
        responses={200: ServiceLevelSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    ),
    patch=extend_schema(
        summary="Change one of a target's numbers (managers)",
        request=ServiceLevelPatchSerializer,
        responses={200: ServiceLevelSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    ),
    delete=extend_schema(
        summary="Remove a topic's target (managers); the default cannot be removed",
        responses={204: None, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    ),
)
class ServiceLevelDetailView(generics.GenericAPIView):
    permission_classes = STAFF
    serializer_class = ServiceLevelSerializer

    def get_object(self) -> ServiceLevelTarget:
        target = kb_selectors.service_level_list().filter(pk=self.kwargs["target_id"]).first()
        if target is None:
            raise NotFound("No such service level.")
        return target

    def get(self, request: Request, target_id: int) -> Response:
        return Response(ServiceLevelSerializer(self.get_object()).data)

    def put(self, request: AuthenticatedRequest, target_id: int) -> Response:
        return self._change(request, ServiceLevelInputSerializer)

    def patch(self, request: AuthenticatedRequest, target_id: int) -> Response:
        return self._change(request, ServiceLevelPatchSerializer)

    def delete(self, request: AuthenticatedRequest, target_id: int) -> Response:
        _require_manager(request)
        target = self.get_object()
        services.service_level_remove(target=target, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _change(self, request: AuthenticatedRequest, input_serializer) -> Response:
        _require_manager(request)
        target = self.get_object()
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        numbers = {
            "first_response_days": target.first_response_days,
            "resolution_days": target.resolution_days,
            **data.validated_data,
        }
        changed = services.service_level_change(target=target, actor=request.user, **numbers)
        return Response(ServiceLevelSerializer(changed).data)
