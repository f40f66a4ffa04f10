"""Fill in deploy/nginx-desk.conf for one installation and print it.

    python3 deploy/render_nginx.py --server-name desk.example.org \\
        --node 127.0.0.1:8001 --node 127.0.0.1:8002 \\
        --certificate /etc/letsencrypt/live/desk.example.org/fullchain.pem \\
        --certificate-key /etc/letsencrypt/live/desk.example.org/privkey.pem \\
        > /etc/nginx/sites-available/desk

The standard library only, so it runs with the system's python3. Every ``@@NAME@@`` in
the template is replaced, and a line holding ``@@NODE@@`` is written once per node; a
placeholder left over is an error, never a broken file. The largest request body is
worked out from ``ATTACHMENT_MAX_MB`` (the environment's, as the desk reads it, or
``--attachment-max-mb``), so the proxy refuses what the desk would refuse anyway.
"""

import argparse
import os
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx-desk.conf")
PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")

# As the desk has them: a group's reply carries at most this many documents
# (enquiries.portal.services.MAX_FILES_PER_REPLY), an import file is at most this large
# (casework.imports.services.MAX_FILE_BYTES), and the form around the files gets this
# much room. tests/deploy/test_nginx_config.py checks the first two against the code.
FILES_PER_REPLY = 5
IMPORT_FILE_MB = 50
FORM_ROOM_MB = 5


def client_max_body_mb(attachment_max_mb: int) -> int:
    """The largest body the proxy lets through, in MB."""
    return max(FILES_PER_REPLY * attachment_max_mb, IMPORT_FILE_MB) + FORM_ROOM_MB


def render(
    *,
    server_name: str,
    nodes: list[str],
    certificate: str,
    certificate_key: str,
    https_listen: str = "443",
    http_listen: str = "80",
    log_dir: str = "/var/log/nginx",
    attachment_max_mb: int = 10,
    template: Path = TEMPLATE,
) -> str:
    """The site file for these nodes and names."""
    if not nodes:
        raise ValueError("Give at least one app node (--node HOST:PORT).")
    values = {
        "SERVER_NAME": server_name,
        "CERTIFICATE": certificate,
        "CERTIFICATE_KEY": certificate_key,
        "HTTPS_LISTEN": https_listen,
        "HTTP_LISTEN": http_listen,
        "LOG_DIR": log_dir.rstrip("/") or "/",
        "CLIENT_MAX_BODY_SIZE": f"{client_max_body_mb(attachment_max_mb)}m",
    }
    for name, value in values.items():
        if not value or any(c.isspace() or c in ";{}\"'" for c in value):
            raise ValueError(f"{name} must be one word with no quotes, braces or ';': {value!r}")
    for node in nodes:
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}|unix:/[^\s;{}]+", node):
            raise ValueError(f"A node is HOST:PORT or unix:/path, not {node!r}")
    lines = []
    for line in template.read_text().splitlines(keepends=True):
        if "@@NODE@@" in line:
            lines.extend(line.replace("@@NODE@@", node) for node in nodes)
        else:
            lines.append(PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    text = "".join(lines)
    if left := sorted(set(PLACEHOLDER.findall(text))):
        raise ValueError(f"The template has placeholders this script does not fill: {left}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-name", required=True, help="the desk's host name")
    parser.add_argument(
        "--node", action="append", required=True, help="an app node, HOST:PORT (repeat)"
    )
    parser.add_argument("--certificate", required=True, help="TLS certificate chain (PEM)")
    parser.add_argument("--certificate-key", required=True, help="its private key (PEM)")
    parser.add_argument("--https-listen", default="443", help="[ADDRESS:]PORT (443)")
    parser.add_argument("--http-listen", default="80", help="[ADDRESS:]PORT (80)")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    parser.add_argument(
        "--attachment-max-mb",
        type=int,
        default=int(os.environ.get("ATTACHMENT_MAX_MB", "10")),
        help="the desk's ATTACHMENT_MAX_MB (default: the environment's, else 10)",
    )
    args = parser.parse_args(argv)
    try:
        text = render(
            server_name=args.server_name,
            nodes=args.node,
            certificate=args.certificate,
            certificate_key=args.certificate_key,
            https_listen=args.https_listen,
            http_listen=args.http_listen,
            log_dir=args.log_dir,
            attachment_max_mb=args.attachment_max_mb,
        )
    except ValueError as error:
        parser.error(str(error))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
