"""``POST /api/v1/search/``: desk search for staff. POST so the query (a name, an email
address) stays out of addresses and logs; the answer is scoped as the page is."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.desk.api import FIELD_ERRORS, STAFF
from casework.search import selectors
from casework.search.forms import QUERY_MAX_LENGTH
from knowledgebase.models import SearchScope
from knowledgebase.search.services import search_term_record


class SearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=QUERY_MAX_LENGTH)


class _EnquiryHit(serializers.Serializer):
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()


class _CaseHit(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()


class _PartyHit(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    enquiries = serializers.SerializerMethodField()

    def get_enquiries(self, party) -> list[str]:
        # The newest few only: the selector prefetches no more (``PARTY_ENQUIRIES``).
        return [enquiry.reference for enquiry in party.visible_enquiries]


def _section(name: str, child: type[serializers.Serializer]) -> type[serializers.Serializer]:
    return type(
        f"Search{name}Results",
        (serializers.Serializer,),
        {"count": serializers.IntegerField(), "results": child(many=True, source="items")},
    )


class DeskSearchOutputSerializer(serializers.Serializer):
    query = serializers.CharField()
    enquiries = _section("Enquiry", _EnquiryHit)()
    cases = _section("Case", _CaseHit)()
    contacts = _section("Contact", _PartyHit)()
    organisations = _section("Organisation", _PartyHit)()


class DeskSearchView(APIView):
    permission_classes = STAFF

    @extend_schema(
        summary="Search the records you may see",
        request=SearchInputSerializer,
        responses={200: DeskSearchOutputSerializer, 400: FIELD_ERRORS},
    )
    def post(self, request: Request) -> Response:
        given = SearchInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        results = selectors.desk_search(user=request.user, query=given.validated_data["q"])
        search_term_record(scope=SearchScope.DESK, query=results.query, found=results.total)
        return Response(DeskSearchOutputSerializer(results).data)
