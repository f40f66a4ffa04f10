"""Two app nodes behind nginx, end to end (docs/deploy.md, "Proxy and app nodes").

Two real gunicorn nodes share one database; Debian's nginx runs the shipped
``deploy/nginx-desk.conf`` in front of them, over TLS. Through it: a staff session made on
one node is good on the other; a rate limit is one count across nodes, kept per client as
the proxy forwards it (a client cannot choose its address); the proxy's request id is
logged on both sides; a body over the limit never reaches a node; a killed node is
routed around. Skipped without nginx locally; CI installs it (``.ci/run``).
"""

import gzip
import http.client
import json
import os
import re
import ssl
import time
from urllib.parse import urlencode

import pytest

from deploy.render_nginx import client_max_body_mb
from tests.deploy.cluster import SERVER_NAME, binary, text_once_logged
from tests.deploy.conftest import ATTACHMENT_MAX_MB, PASSWORD, USERNAME

pytestmark = [
    pytest.mark.skipif(
        binary("nginx") is None and not os.environ.get("CI"),
        reason="nginx is not installed (apt-get install nginx); CI installs it.",
    ),
    # The nodes share a copy of the test database, which pytest-django makes only for
    # tests that ask for one.
    pytest.mark.django_db,
]

INTAKE = "/api/v1/enquiries/"
JSON = {"Content-Type": "application/json"}
PROBE = b'{"subject": "probe"}'  # not a valid enquiry: a 400, counted by the limit all the same


def sign_in(proxy) -> str:
    """Sign in on the staff sign-in page through the proxy; the session cookie."""
    page = proxy.get("/accounts/login/")
    assert page.status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert token
    form = {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
    answer = proxy.request(
        "POST",
        "/accounts/login/",
        body=urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={page.cookies()['csrftoken']}",
            "Origin": proxy.origin,
            "Referer": f"{proxy.origin}/accounts/login/",
        },
    )
    assert answer.status == 302, answer.body[:2000]
    session_cookie = next(
        h for h in answer.headers.get_all("Set-Cookie") if h.startswith("sessionid=")
    )
    assert "Secure" in session_cookie  # the node knew the client came over HTTPS
    return answer.cookies()["sessionid"]


def logged(proxy, since: int, request_line: str) -> list[tuple[int, str]]:
    """(status, the nodes tried) of each such request in the access log since ``since``."""
    with open(proxy.access_log, encoding="utf-8") as log:
        log.seek(since)
        lines = [line for line in log if f'"{request_line} HTTP/1.1"' in line]
    return [(int(line.split()[1]), re.search(r'upstream="([^"]*)"', line)[1]) for line in lines]


def served_by(proxy, since: int, request_line: str) -> set[str]:
    """The nodes that answered such requests since ``since`` ("a, b": a failed, b answered)."""
    return {upstream for _, upstream in logged(proxy, since, request_line)}


def test_a_session_begun_through_the_proxy_is_good_on_every_node(nodes_up):
    proxy = nodes_up.proxy
    signed_in = {"Cookie": f"sessionid={sign_in(proxy)}"}

    for node in nodes_up.nodes:
        page = node.get("/desk/security/", headers=signed_in)
        assert page.status == 200, f"node {node.name}: {page.status}"
        assert USERNAME.encode() in page.body or b"Sign out" in page.body
        assert node.get("/desk/security/").status == 302  # without it: to sign in
    assert {proxy.get("/desk/security/", headers=signed_in).status for _ in range(4)} == {200}


def test_a_rate_limit_is_one_count_across_the_nodes(nodes_up):
    first, second = nodes_up.nodes
    client = {**JSON, "X-Forwarded-For": "198.51.100.7"}  # as the proxy would forward it

    codes = [
        node.request("POST", INTAKE, body=PROBE, headers=client).status
        for node in (first, second, first, second, first, second)
    ]

    assert codes == [400, 400, 400, 400, 429, 429]  # THROTTLE_ENQUIRY_INTAKE=4/day


def test_the_nodes_count_the_client_the_proxy_forwards_whatever_it_claims(nodes_up):
    proxy = nodes_up.proxy
    since = proxy.access_log.stat().st_size

    # One client (127.0.0.2) claiming a new address in each request: nginx appends the
    # address it saw, the only one the nodes trust (NUM_PROXIES=1).
    codes = [
        proxy.request(
            "POST",
            INTAKE,
            body=PROBE,
            headers={**JSON, "X-Forwarded-For": f"203.0.113.{n}"},
            source="127.0.0.2",
        ).status
        for n in range(6)
    ]
    other_client = proxy.request("POST", INTAKE, body=PROBE, headers=JSON, source="127.0.0.3")

    assert codes == [400, 400, 400, 400, 429, 429]
    assert other_client.status == 400  # its own count: the key is the client, not the proxy
    assert served_by(proxy, since, f"POST {INTAKE}") == {n.address for n in nodes_up.nodes}


def test_the_proxy_s_request_id_is_answered_and_logged_by_the_node(nodes_up):
    proxy = nodes_up.proxy

    answer = proxy.get("/enquire/", headers={"X-Request-ID": "chosen-by-the-client"})

    assert answer.status == 200
    request_id = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, not the client's
    assert f"rid={request_id}" in text_once_logged(proxy.access_log, request_id)
    line = f"[{request_id}] request view=enquiries:enquire method=GET status=200"
    deadline = time.monotonic() + 5
    while not any(line in n.log.read_text(errors="replace") for n in nodes_up.nodes):
        assert time.monotonic() < deadline, f"no node logged {line!r}"
        time.sleep(0.1)


def test_pages_are_compressed_and_static_files_come_through(nodes_up):
    proxy = nodes_up.proxy

    page = proxy.get("/enquire/", headers={"Accept-Encoding": "gzip"})
    stylesheet = proxy.get("/static/css/desk.css", headers={"Accept-Encoding": "gzip"})

    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"<form" in gzip.decompress(page.body)
    assert stylesheet.status == 200
    assert stylesheet.headers["Content-Type"].startswith("text/css")
    assert stylesheet.headers["Content-Encoding"] == "gzip"


def test_what_the_proxy_answers_itself(nodes_up):
    proxy = nodes_up.proxy
    plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    plain.request("GET", "/enquire/?topic=x", headers={"Host": SERVER_NAME})
    redirect = plain.getresponse()
    plain.close()
    assert redirect.status == 301
    assert redirect.headers["Location"] == f"https://{SERVER_NAME}/enquire/?topic=x"

    # A name that is not the desk's: no answer at all, over HTTP or HTTPS.
    other = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    with pytest.raises(http.client.RemoteDisconnected):
        other.request("GET", "/", headers={"Host": "elsewhere.example"})
        other.getresponse()
    other.close()
    context = ssl.create_default_context(cafile=str(proxy.certificate))
    context.check_hostname = False
    with pytest.raises(ssl.SSLError):
        ssl_connection = http.client.HTTPSConnection(
            "127.0.0.1", proxy.https_port, context=context, timeout=10
        )
        ssl_connection.request("GET", "/")  # no name: the handshake is refused

    # Each node's metrics are read at the node: never one picked at random.
    metrics = proxy.get("/metrics")
    assert metrics.status == 404 and "X-Request-ID" not in metrics.headers


def test_a_body_over_the_limit_is_refused_by_the_proxy_before_any_node(nodes_up):
    proxy = nodes_up.proxy
    limit = client_max_body_mb(ATTACHMENT_MAX_MB) * 1024 * 1024
    since = proxy.access_log.stat().st_size

    refused = proxy.announce("POST", INTAKE, {**JSON, "Content-Length": str(limit + 1)})
    # Over nginx's own default (1 MB) but within the limit: the desk answers it.
    within = proxy.request(
        "POST",
        INTAKE,
        body=json.dumps({"subject": "x" * 1_500_000}).encode(),
        headers=JSON,
        source="127.0.0.5",
    )

    assert refused.status == 413
    assert "X-Request-ID" not in refused.headers  # no node saw it
    assert (413, "-") in logged(proxy, since, f"POST {INTAKE}")
    assert within.status == 400 and "X-Request-ID" in within.headers
    assert "subject" in json.loads(within.body)


def test_with_a_node_killed_the_proxy_routes_around_it(nodes_up):
    """Last in the module: a test after it starts the node again (``nodes_up``)."""
    proxy, (alive, killed) = nodes_up.proxy, nodes_up.nodes
    since = proxy.access_log.stat().st_size

    killed.kill()
    pages = [proxy.get("/enquire/").status for _ in range(6)]
    # A POST whose connection was refused never reached a node: tried on the next one.
    post = proxy.request("POST", INTAKE, body=PROBE, headers=JSON, source="127.0.0.4")

    assert pages == [200] * 6
    assert post.status == 400 and "X-Request-ID" in post.headers
    errors = text_once_logged(proxy.error_log, killed.address)
    assert "connect() failed (111" in errors and killed.address in errors
    assert served_by(proxy, since, "GET /enquire/") <= {
        alive.address,
        f"{killed.address}, {alive.address}",
    }
