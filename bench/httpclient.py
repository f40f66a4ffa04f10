"""A tiny HTTP client for the benchmark: one connection per request, cookies kept, timed.

Standard library only (``requests`` is not a project dependency). Redirects are
not followed, so a POST is timed on its own.
"""

import http.client
import json
import re
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlencode

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    seconds: float
    location: str = ""

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class _NamedHTTPS(http.client.HTTPSConnection):
    """HTTPS to ``address``, naming ``server_name`` in the TLS handshake (SNI), as a browser
    that resolved the site's name to this address would."""

    def __init__(self, address: str, port: int, server_name: str, tls: ssl.SSLContext) -> None:
        super().__init__(server_name, port, context=tls, timeout=120)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class Client:
    """Talks to one local server, keeping cookies the way a browser would."""

    def __init__(
        self, host: str, port: int, *, tls: ssl.SSLContext | None = None, server_name: str = ""
    ) -> None:
        """``tls`` talks HTTPS (to the proxy of bench/scaleout_bench.py), naming the site
        ``server_name`` in the Host and Origin headers instead of ``host``."""
        self.host, self.port, self.tls = host, port, tls
        self.site = f"{server_name or host}:{port}"
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        if tls is not None:
            # Django checks the Origin of a POST made over HTTPS, as a browser sends it.
            self.headers["Origin"] = f"https://{self.site}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Reply:
        all_headers = {"Host": self.site, **self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        connection = (
            _NamedHTTPS(self.host, self.port, self.site.rsplit(":", 1)[0], self.tls)
            if self.tls is not None
            else http.client.HTTPConnection(self.host, self.port, timeout=120)
        )
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return Reply(response.status, content, elapsed, response.headers.get("Location", ""))

    def get(self, path: str, headers: dict | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict) -> Reply:
        return self.request(
            "POST",
            path,
            body=urlencode(data).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_json(self, path: str, data: dict, headers: dict | None = None) -> Reply:
        return self.request(
            "POST",
            path,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def csrf_token(self, page: Reply) -> str:
        match = CSRF_INPUT.search(page.text())
        if not match:
            raise RuntimeError(f"No CSRF token in the page (status {page.status}).")
        return match[1]

    def login(self, username: str, password: str) -> None:
        """Sign in through the real login form, as a browser does."""
        page = self.get("/accounts/login/")
        reply = self.post_form(
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.csrf_token(page),
            },
        )
        if reply.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"Login as {username} failed (status {reply.status}).")
