"""Who may open what: every URL of the desk, the portal, the reports and the API (the
admin has Django's own checks), for every persona, against one table.

``AUDIENCE`` names each URL's audience; ``EXPECTED`` says what each persona gets from an
audience. A URL added without a row in ``AUDIENCE`` fails
``test_every_url_has_an_audience``. GET is asked of every URL; a URL that only takes
POST must refuse the personas outside its audience (and answer 405 to the others' GET).
"""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from casework.cases.services import case_open_from_enquiry
from casework.clocks.services import key_date_record
from casework.models import (
    ApiToken,
    Deadline,
    DuplicatePair,
    ImportRun,
    ImportSource,
    LegalHold,
    SubjectAccessRequest,
    WebhookEndpoint,
    token_hash,
)
from casework.tokens.services import api_token_create
from casework.workspace.services import task_add
from enquiries.conversation.services import attachment_add, message_publish
from enquiries.mail.services import mail_receive
from enquiries.models import FeedbackRequest, Notice
from enquiries.services import tracking_link_create
from knowledgebase.guidance.services import article_publish, article_save
from knowledgebase.models import Article, ServiceLevelTarget, Snippet
from knowledgebase.snippets.services import snippet_save
from tests.enquiries.mail_corpus import corpus
from tests.enquiries.portal import pdf
from tests.factories import ContactFactory
from tests.openapi import openapi_schema

pytestmark = pytest.mark.django_db

STAFF_PERSONAS = ["anonymous", "no_role", "adviser", "other_adviser", "manager"]
# Two groups, signed in to nothing: one has opened its enquiry's link (its portal cookie
# is set), the other has opened a link to an enquiry of its own.
GROUP_PERSONAS = ["group", "other_group"]
PERSONAS = STAFF_PERSONAS + GROUP_PERSONAS

# What each persona gets from each audience, on GET. "login": a redirect to sign in.
EXPECTED = {
    "public": dict.fromkeys(PERSONAS, 200),
    # A link's own address: whoever holds it is sent on (303) to the page without the
    # token, with the portal cookie set.
    "link": dict.fromkeys(PERSONAS, 303),
    # The portal's pages, by the cookie: the page of whichever link the cookie holds
    # (another group sees its own), "link not valid" (404) without one.
    "portal": {**dict.fromkeys(STAFF_PERSONAS, 404), "group": 200, "other_group": 200},
    # One enquiry of the portal's: its group only.
    "portal_enquiry": {**dict.fromkeys(STAFF_PERSONAS, 404), "group": 200, "other_group": 404},
    "staff": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 200,
        "other_adviser": 200,
        "manager": 200,
    },
    "enquiry": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 200,
        "other_adviser": 404,
        "manager": 200,
    },
    "manager": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 403,
        "other_adviser": 403,
        "manager": 200,
    },
    # Where staff land: a manager's home; an adviser is sent on to the queue.
    "staff_home": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 302,
        "other_adviser": 302,
        "manager": 200,
    },
    # A record of one person's own (Ada's notice): it leads her on; anyone else, no such.
    "staff_own": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 302,
        "other_adviser": 404,
        "manager": 404,
    },
    "enquiry_manager": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 403,
        "other_adviser": 404,
        "manager": 200,
    },
    "api_staff": {
        "anonymous": 401,
        "no_role": 403,
        "adviser": 200,
        "other_adviser": 200,
        "manager": 200,
    },
    "api_enquiry": {
        "anonymous": 401,
        "no_role": 403,
        "adviser": 200,
        "other_adviser": 404,
        "manager": 200,
    },
    "api_manager": {
        "anonymous": 401,
        "no_role": 403,
        "adviser": 403,
        "other_adviser": 403,
        "manager": 200,
    },
    "api_public": dict.fromkeys(PERSONAS, 200),
    # Prometheus's page: by address or bearer token, never by sign-in. The test client
    # comes from 127.0.0.1, an allowed address; elsewhere without the token it is a 404
    # whoever is signed in (tests/casework/test_health.py).
    "metrics": dict.fromkeys(PERSONAS, 200),
    # A batch's page: to anyone but a manager, there is no such batch.
    "manager_hidden": {
        "anonymous": "login",
        "no_role": 403,
        "adviser": 404,
        "other_adviser": 404,
        "manager": 200,
    },
    # Anyone signed in, with a desk role or not (admin-only accounts need a second factor).
    "signed_in": {
        "anonymous": "login",
        "no_role": 200,
        "adviser": 200,
        "other_adviser": 200,
        "manager": 200,
    },
    # The code asked for after the password: a sign-in that owes none is sent on.
    "code_step": {
        "anonymous": "login",
        "no_role": 302,
        "adviser": 302,
        "other_adviser": 302,
        "manager": 302,
    },
    # The sign-in page; someone signed in is sent on.
    "login": {
        "anonymous": 200,
        "no_role": 302,
        "adviser": 302,
        "other_adviser": 302,
        "manager": 302,
    },
}

for _expected in EXPECTED.values():
    for _group in GROUP_PERSONAS:
        _expected.setdefault(_group, _expected["anonymous"])

# url name -> (audience, methods it answers). Objects that the fixture does not make
# (a letter, a batch) are asked for by a number that does not exist: those in the
# audience get a 404, everyone else is refused first (``MISSING``).
G, P, GP = ("GET",), ("POST",), ("GET", "POST")
AUDIENCE: dict[str, tuple[str, tuple[str, ...]]] = {
    "enquiries:enquire": ("public", GP),
    "enquiries:submitted": ("public", G),
    "enquiries:privacy": ("public", G),
    "guidance:index": ("public", G),
    "guidance:search": ("public", G),
    "guidance:article": ("public", G),
    "casework:guidance": ("staff", G),
    "casework:guidance_new": ("staff", GP),
    "casework:guidance_edit": ("staff", GP),
    "casework:guidance_publish": ("manager", P),
    "casework:guidance_withdraw": ("manager", P),
    "casework:guidance_reviewed": ("manager", P),
    "casework:snippets": ("manager", G),
    "casework:search": ("staff", GP),
    "casework:saved_view_save": ("staff", P),
    "casework:saved_view_delete": ("staff", P),
    "api:desk-search": ("api_staff", P),
    "casework:snippet_new": ("manager", GP),
    "casework:snippet_edit": ("manager", GP),
    "enquiries:new_link": ("public", GP),
    "enquiries:portal": ("portal", G),
    "enquiries:portal_rotate": ("portal", P),
    "enquiries:portal_enquiry": ("portal_enquiry", G),
    "enquiries:portal_reply": ("portal_enquiry", P),
    "enquiries:portal_feedback": ("portal_enquiry", GP),
    "enquiries:portal_document": ("portal_enquiry", G),
    "enquiries:track": ("link", G),
    "enquiries:track_rotate": ("link", P),
    "enquiries:track_enquiry": ("link", G),
    "enquiries:track_reply": ("link", P),
    "enquiries:track_feedback": ("link", GP),
    "enquiries:track_document": ("link", G),
    "casework:queue": ("staff", G),
    "casework:home": ("staff_home", G),
    "casework:queue_bulk": ("staff", P),
    "casework:enquiry_claim": ("enquiry", P),
    "casework:enquiry_assign": ("enquiry", P),
    "casework:enquiry_log": ("staff", GP),
    "casework:enquiry": ("enquiry", G),
    "casework:enquiry_edit": ("enquiry", GP),
    "casework:enquiry_status": ("enquiry", P),
    "casework:enquiry_history": ("enquiry_manager", G),
    "casework:case_history": ("enquiry_manager", G),
    "casework:document_add": ("enquiry", P),
    "casework:document_download": ("enquiry", G),
    "casework:message_publish": ("enquiry", P),
    "casework:deadline_publish": ("enquiry", P),
    "casework:deadline_withdraw": ("enquiry", P),
    "casework:tracking_links_revoke": ("enquiry", P),
    "casework:tracking_link_send": ("enquiry", P),
    "casework:note_add": ("enquiry", P),
    "casework:task_add": ("enquiry", P),
    "casework:task_done": ("enquiry", P),
    "casework:time_record": ("enquiry", P),
    "casework:key_date_record": ("enquiry", P),
    "casework:key_date_remove": ("enquiry", P),
    "casework:deadline_extend": ("enquiry", P),
    "casework:case_key_date": ("enquiry", P),
    "casework:case_deadline_extend": ("enquiry", P),
    "casework:clock": ("staff", G),
    "casework:enquiry_close": ("enquiry", P),
    "casework:case_open": ("enquiry", P),
    "casework:cases": ("staff", G),
    "casework:case": ("enquiry", G),  # cases: seen by whoever sees their enquiries
    "casework:case_status": ("enquiry", P),
    "casework:case_edit": ("enquiry", GP),
    "casework:case_add_enquiry": ("enquiry", P),
    "casework:case_outcome": ("enquiry", P),
    "casework:service_levels": ("manager", GP),
    "casework:service_level_change": ("manager", P),
    "casework:service_level_remove": ("manager", P),
    "casework:sign_out_everywhere": ("staff", P),
    "casework:factor_verify": ("code_step", GP),
    "casework:factor_security": ("signed_in", G),
    "casework:factor_authenticator": ("signed_in", GP),
    "casework:factor_remove": ("signed_in", P),
    "casework:factor_recovery_codes": ("signed_in", P),
    "casework:factor_staff": ("manager", G),
    "casework:factor_reset": ("manager", P),
    "casework:letter_compose": ("enquiry", G),
    "casework:letter_preview": ("enquiry", P),
    "casework:letter_issue": ("enquiry", P),
    "casework:letter": ("enquiry", G),
    "casework:letter_download": ("enquiry", G),
    "casework:letter_bulk": ("manager", GP),
    "casework:letter_batch": ("manager_hidden", G),
    "casework:enquiry_mail_source": ("enquiry", G),
    "casework:mail_quarantine": ("manager", G),
    "casework:mail_quarantine_source": ("manager", G),
    "casework:mail_quarantine_release": ("manager", P),
    "casework:mail_quarantine_discard": ("manager", P),
    "casework:data_protection": ("manager", G),
    "casework:retention_policy": ("manager", P),
    "casework:legal_hold_place": ("manager", P),
    "casework:erasure": ("manager", P),
    "casework:legal_hold_release": ("manager", P),
    "casework:api_tokens": ("staff", GP),
    "casework:api_token_revoke": ("staff", P),
    "casework:sar_record": ("manager", P),
    "casework:sar_json": ("manager", G),
    "casework:sar_pdf": ("manager", G),
    "casework:sar_release": ("manager", P),
    "casework:sar_review": ("manager", GP),
    "casework:sar_prepare": ("manager", P),
    "casework:webhooks": ("manager", GP),
    "casework:webhook": ("manager", G),
    "casework:webhook_active": ("manager", P),
    "casework:webhook_redeliver": ("manager", P),
    "casework:imports": ("manager", GP),
    "casework:import_run": ("manager", GP),
    "casework:import_start": ("manager", P),
    "casework:import_verdicts": ("manager", G),
    "casework:duplicates": ("manager", GP),
    "casework:duplicate_dismiss": ("manager", P),
    "casework:merge_contacts": ("manager_hidden", GP),
    "casework:merge_organisations": ("manager", GP),
    "casework:enquiry_merge": ("enquiry", GP),
    "casework:enquiry_presence": ("enquiry", P),
    "casework:notices": ("staff", G),
    "casework:notices_count": ("staff", G),
    "casework:notices_read": ("staff", P),
    "casework:email_preferences": ("staff", GP),
    "casework:notice_open": ("staff_own", G),
    "casework:styleguide": ("staff", G),
    "reports:index": ("staff", G),
    "reports:board_pdf": ("manager", G),
    "reports:report": ("manager", G),
    "reports:csv": ("manager", G),
    "api:enquiry-list": ("api_staff", GP),  # POST: the anonymous intake endpoint
    "api:enquiry-claim": ("api_enquiry", P),
    "api:enquiry-assign": ("api_enquiry", P),
    "api:adviser-list": ("api_staff", G),
    "api:enquiry-detail": ("api_enquiry", G),
    "api:enquiry-status": ("api_enquiry", P),
    "api:organisation-list": ("api_staff", G),
    "api:organisation-detail": ("api_enquiry", G),  # a contact seen through an enquiry
    "api:contact-list": ("api_staff", G),
    "api:contact-detail": ("api_enquiry", G),
    "api:enquiry-attachments": ("api_enquiry", GP),
    "api:enquiry-attachment-download": ("api_enquiry", G),
    "api:enquiry-messages": ("api_enquiry", GP),
    "api:enquiry-public-dates": ("api_enquiry", GP),
    "api:enquiry-public-dates-withdraw": ("api_enquiry", P),
    "api:enquiry-tracking-links-revoke": ("api_enquiry", P),
    "api:enquiry-tracking-links-send": ("api_enquiry", P),
    "api:enquiry-notes": ("api_enquiry", GP),
    "api:enquiry-tasks": ("api_enquiry", GP),
    "api:enquiry-task-done": ("api_enquiry", P),
    "api:enquiry-time": ("api_enquiry", GP),
    "api:my-tasks": ("api_staff", G),
    "api:enquiry-key-dates": ("api_enquiry", GP),
    "api:enquiry-key-date": ("api_enquiry", ("DELETE",)),
    "api:enquiry-deadline-extensions": ("api_enquiry", P),
    "api:case-key-dates": ("api_enquiry", GP),
    "api:deadline-rule-list": ("api_staff", G),
    "api:clock": ("api_staff", P),
    "api:enquiry-outcomes": ("api_enquiry", GP),
    "api:case-list": ("api_staff", GP),
    "api:case-detail": ("api_enquiry", G),
    "api:case-status": ("api_enquiry", P),
    "api:service-level-list": ("api_staff", GP),
    "api:service-level-detail": ("api_staff", G),
    "api:enquiry-letters": ("api_enquiry", GP),
    "api:enquiry-letter-download": ("api_enquiry", G),
    "api:case-letters": ("api_enquiry", G),
    "api:letter-batches": ("api_manager", P),
    "api:letter-batch-detail": ("api_manager", G),
    "api:report-caseload": ("api_staff", G),
    "api:report-flow": ("api_manager", G),
    "api:report-outcomes": ("api_manager", G),
    "api:report-demand": ("api_manager", G),
    "api:report-knowledge": ("api_manager", G),
    "api:guidance-list": ("api_public", G),
    "api:guidance-detail": ("api_public", G),
    "api:guidance-article-list": ("api_staff", GP),
    "api:guidance-article-detail": ("api_staff", G),
    "api:guidance-article-publish": ("api_manager", P),
    "api:snippet-list": ("api_staff", G),
    "api:mail-quarantine-list": ("api_manager", G),
    "api:mail-quarantine-release": ("api_manager", P),
    "api:mail-quarantine-discard": ("api_manager", P),
    "api:topic-list": ("api_public", G),
    "api:area-list": ("api_public", G),
    "api:schema": ("api_public", G),
    "api:docs": ("api_public", G),
    "login": ("login", GP),
    "logout": ("public", P),
    # The proxy's and monitoring's probes (casework/health/, docs/operations.md).
    "health:healthz": ("public", G),
    "health:readyz": ("public", G),
    "health:metrics": ("metrics", G),
}
# The API's changes other than POST, which a URL's reads may not share an audience with.
WRITES: dict[tuple[str, str], str] = {
    ("api:enquiry-detail", "PATCH"): "api_enquiry",
    ("api:case-detail", "PATCH"): "api_enquiry",
    ("api:guidance-article-detail", "PATCH"): "api_staff",
    ("api:service-level-detail", "PUT"): "api_manager",
    ("api:service-level-detail", "PATCH"): "api_manager",
    ("api:service-level-detail", "DELETE"): "api_manager",
}
MISSING = {
    "casework:letter",
    "casework:letter_download",
    "casework:letter_batch",
    "api:enquiry-letter-download",
    "api:letter-batch-detail",
}


def url_names() -> list[str]:
    """Every named URL outside the admin."""
    return sorted(url_params())


def test_every_url_has_an_audience():
    assert sorted(set(url_names()) - set(AUDIENCE)) == [], "add the new URLs to AUDIENCE"
    assert sorted(set(AUDIENCE) - set(url_names())) == []


def url_params() -> dict[str, list[str]]:
    """Each URL name's parameters."""
    params: dict[str, list[str]] = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = pattern.pattern
                names = list(getattr(route, "converters", {}) or route.regex.groupindex)
                params[namespace + pattern.name] = names

    walk(get_resolver().url_patterns)
    return params


@pytest.fixture
def world(submit, adviser, other_adviser, manager, outsider, settings):
    """One enquiry of Ada's with something of every kind on it, and a client per persona
    (signed in on the desk; a token on the API)."""
    settings.MAIL_REPLY_ADDRESS = "desk@desk.example"
    settings.MAIL_DATE_MAX_AGE_DAYS = 100_000
    mine = submit(subject="The Red Lion")
    document = attachment_add(enquiry=mine, upload=pdf(), actor=adviser.user)
    public = message_publish(enquiry=mine, body="Here", actor=adviser.user, files=[pdf()])
    key_date = key_date_record(
        enquiry=mine,
        trigger="disposal-notice-received",
        date=date(2026, 3, 2),
        actor=adviser.user,
    )
    deadline = Deadline.objects.filter(key_date=key_date).first()
    task = task_add(
        enquiry=mine,
        title="Call",
        due_on=date(2027, 1, 4),
        assignee=adviser.user,
        actor=adviser.user,
    )
    case = case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Red Lion")
    reply = mail_receive(corpus("reply_subject_only", mine), source="pipe").inbound
    held = mail_receive(corpus("malformed_header"), source="pipe").inbound
    hold = LegalHold.objects.create(enquiry=mine, reason="x", placed_by=manager.user)
    token = api_token_create(user=adviser.user, name="t", days=1).token
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example/desk", events=["enquiry.received"], created_by=manager.user
    )
    sar = SubjectAccessRequest.objects.create(
        email="sam@example.org",
        received_on=date(2026, 10, 1),
        due_on=date(2026, 11, 1),
        recorded_by=manager.user,
    )
    article = article_publish(
        article=article_save(
            article=Article(slug="matrix-guide", title="Guide", summary="s", body="b"),
            topics=[mine.topic],
            actor=None,
        ),
        actor=None,
    )
    snippet = snippet_save(snippet=Snippet(title="Hello"), body="Hi {{ contact.name }}", actor=None)
    FeedbackRequest.objects.create(enquiry=mine, send_after=timezone.now(), sent_at=timezone.now())
    stranger = ContactFactory()
    pair = DuplicatePair.objects.create(
        kind="contact", record_id=stranger.pk, other_id=mine.contact_id, score=0.9
    )
    import_run = ImportRun.objects.create(
        source=ImportSource.objects.create(name="Old CRM", created_by=manager.user),
        original_name="history.csv",
        sha256="0" * 64,
        started_by=manager.user,
    )
    values = {
        "reference": mine.reference,
        "slug": article.slug,
        "article_id": article.pk,
        "snippet_id": snippet.pk,
        "view_id": 999_999,
        "token": tracking_link_create(enquiry=mine, covers_address=True),
        "attachment_id": document.pk,
        "public_attachment_id": public.attachments.get().pk,
        "key_date_id": key_date.pk,
        "rule_id": deadline.rule_id,
        "rule": deadline.rule.slug,
        "task_id": task.pk,
        "case_id": case.pk,
        "target_id": ServiceLevelTarget.objects.first().pk,
        "letter_id": 999_999,
        "batch_id": 999_999,
        "inbound_id": reply.pk,
        "hold_id": hold.pk,
        "token_id": token.pk,
        "request_id": sar.pk,
        "user_id": other_adviser.user.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": 999_999,
        "run_id": import_run.pk,
        "notice_id": Notice.objects.create(
            user=adviser.user, kind="reply", text="t", url="/desk/", dedupe_key="matrix"
        ).pk,
        "pair_id": pair.pk,
        "contact_id": mine.contact_id,
        "other_contact_id": stranger.pk,
        "organisation_id": mine.organisation_id,
        "other_organisation_id": stranger.organisation_id,
        "name": "flow",
        "table": "closures",
        "pk": mine.contact_id,
        "organisation_pk": mine.organisation_id,
    }
    users = {
        "adviser": adviser.user,
        "other_adviser": other_adviser.user,
        "manager": manager.user,
        "no_role": outsider,
    }
    desk, api = {"anonymous": Client()}, {"anonymous": Client()}
    elsewhere = submit(subject="Our library", email="kim@elsewhere.example")
    for persona, link in [
        ("group", values["token"]),
        ("other_group", tracking_link_create(enquiry=elsewhere, covers_address=True)),
    ]:
        desk[persona], api[persona] = Client(), Client()
        opened = desk[persona].get(reverse("enquiries:track", args=[link]))
        assert opened.status_code == 303 and "crd_portal" in desk[persona].cookies
    for persona, user in users.items():
        desk[persona] = Client()
        desk[persona].force_login(user)
        key = f"crd_matrix_{persona}_0123456789abcdef0123456789"
        ApiToken.objects.create(
            user=user,
            name="matrix",
            key_hash=token_hash(key),
            prefix=key[:10],
            expires_at=mine.received_at.replace(year=2100),
        )
        api[persona] = Client(HTTP_AUTHORIZATION=f"Token {key}")
    return {"values": values, "desk": desk, "api": api, "quarantined": held.pk}


def _url(name: str, values: dict, quarantined: int) -> str:
    kwargs = {param: values[param] for param in url_params()[name]}
    if name in ("enquiries:track_document", "enquiries:portal_document"):
        kwargs["attachment_id"] = values["public_attachment_id"]
    if name.startswith("api:guidance-article"):
        kwargs = {"pk": values["article_id"]} if kwargs else {}
    if name == "api:organisation-detail":
        kwargs["pk"] = values["organisation_pk"]
    if name.startswith(("casework:mail_quarantine", "api:mail-quarantine")) and kwargs:
        kwargs["inbound_id"] = quarantined
    return reverse(name, kwargs=kwargs)


def _outcome(response) -> int | str:
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "login"
    return response.status_code


def _openapi_operations() -> list[tuple[str, str]]:
    """(url name, method) of every operation in the OpenAPI schema."""
    schema = openapi_schema()
    operations = []
    for path, item in schema["paths"].items():
        name = resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                operations.append((name, method.upper()))
    return operations


def test_every_api_operation_has_an_audience():
    """The schema's side: an operation (a PATCH added to a read endpoint, say) without a
    row in ``AUDIENCE`` or ``WRITES`` fails."""
    missing = [
        f"{name} {method}"
        for name, method in _openapi_operations()
        if method not in AUDIENCE.get(name, ("", ()))[1] and (name, method) not in WRITES
    ]
    assert missing == [], "add these operations to AUDIENCE or WRITES"


def test_changes_through_the_api_refuse_everyone_outside_their_audience(world):
    mismatches = []
    for (name, method), audience in sorted(WRITES.items()):
        url = _url(name, world["values"], world["quarantined"])
        for persona in PERSONAS:
            expected = EXPECTED[audience][persona]
            if expected == 200:
                continue  # allowed: each feature's tests say what the change does
            answer = getattr(world["api"][persona], method.lower())(
                url, {}, content_type="application/json"
            )
            if _outcome(answer) != expected:
                mismatches.append(
                    f"{method} {name} {persona}: expected {expected}, got {_outcome(answer)}"
                )
    assert not mismatches, "\n" + "\n".join(mismatches)


def test_the_authorisation_matrix(world):
    mismatches = []
    for name, (audience, methods) in sorted(AUDIENCE.items()):
        url = _url(name, world["values"], world["quarantined"])
        clients = world["api"] if name.startswith("api:") else world["desk"]
        for persona in PERSONAS:
            expected = EXPECTED[audience][persona]
            if name in MISSING and expected == 200:
                expected = 404
            if "GET" in methods:
                got = _outcome(clients[persona].get(url))
            elif audience in ("portal", "portal_enquiry"):
                if expected == 200:
                    continue  # the group's own posts: the portal's tests say what they do
                got = _outcome(clients[persona].post(url, {}))
            elif expected in (200, 404) and audience not in ("public", "link", "api_public"):
                continue  # allowed to POST: each feature's tests say what a POST does
            elif audience in ("public", "link", "api_public", "login"):
                continue
            else:
                method = methods[0].lower()
                got = _outcome(getattr(clients[persona], method)(url, {}))
            if got != expected:
                mismatches.append(f"{name} {persona}: expected {expected}, got {got}")
    assert not mismatches, "\n" + "\n".join(mismatches)
