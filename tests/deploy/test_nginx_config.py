"""The shipped nginx site file and its renderer (deploy/render_nginx.py): every placeholder
is filled, one server line per node, bad values refused, and the body limit is never
below what the desk itself accepts. No nginx needed (test_two_nodes.py runs it)."""

import pytest
from django.conf import settings

from casework.imports.services import MAX_FILE_BYTES
from deploy.render_nginx import PLACEHOLDER, TEMPLATE, client_max_body_mb, main, render
from enquiries.portal.services import MAX_FILES_PER_REPLY

MB = 1024 * 1024
ARGS = {
    "server_name": "desk.example.org",
    "certificate": "/etc/ssl/desk.pem",
    "certificate_key": "/etc/ssl/desk.key",
}


def test_every_placeholder_is_filled_and_each_node_gets_a_server_line():
    site = render(nodes=["127.0.0.1:8001", "127.0.0.1:8002", "10.0.0.7:8000"], **ARGS)

    assert not PLACEHOLDER.search(site)
    servers = [line.strip() for line in site.splitlines() if line.strip().startswith("server 1")]
    assert servers == [
        "server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;",
        "server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;",
        "server 10.0.0.7:8000 max_fails=3 fail_timeout=10s;",
    ]
    assert "server_name desk.example.org;" in site
    assert "listen 443 ssl http2;" in site and "client_max_body_size 55m;" in site


def test_the_template_names_only_what_the_renderer_fills():
    names = set(PLACEHOLDER.findall(TEMPLATE.read_text()))
    assert names == {
        "NODE",
        "SERVER_NAME",
        "CERTIFICATE",
        "CERTIFICATE_KEY",
        "HTTPS_LISTEN",
        "HTTP_LISTEN",
        "LOG_DIR",
        "CLIENT_MAX_BODY_SIZE",
    }


@pytest.mark.parametrize("attachment_max_mb", [1, 10, 25])
def test_the_body_limit_lets_through_all_the_desk_accepts(attachment_max_mb):
    limit = client_max_body_mb(attachment_max_mb) * MB

    assert limit > MAX_FILES_PER_REPLY * attachment_max_mb * MB  # a reply's documents
    assert limit > MAX_FILE_BYTES  # an import file
    assert limit > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # a form or JSON body


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"nodes": []}, "at least one app node"),
        ({"nodes": ["127.0.0.1"]}, "HOST:PORT"),
        ({"nodes": ["127.0.0.1:80; include /etc/passwd"]}, "HOST:PORT"),
        ({"server_name": "desk.example.org; return 200"}, "SERVER_NAME"),
        ({"certificate": ""}, "CERTIFICATE"),
    ],
)
def test_a_value_that_would_break_the_file_is_refused(change, complaint):
    with pytest.raises(ValueError, match=complaint):
        render(**{**ARGS, "nodes": ["127.0.0.1:8001"], **change})


def test_the_command_line_writes_the_site_file(capsys, monkeypatch):
    monkeypatch.setenv("ATTACHMENT_MAX_MB", "20")
    args = ["--server-name", "desk.example.org", "--node", "127.0.0.1:8001"]
    args += ["--certificate", "/c.pem", "--certificate-key", "/k.pem"]

    assert main(args) == 0

    assert "client_max_body_size 105m;" in capsys.readouterr().out
