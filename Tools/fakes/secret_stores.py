#!/usr/bin/env python3
"""Loopback fakes of HashiCorp Vault (KV v2, token and AppRole auth) and Azure Key Vault (with
its Entra ID client-credentials token endpoint), following their documented request and response
shapes, for Baton's secret store tests. Listens on 127.0.0.1 only.

usage: secret_stores.py CONFIG.json     prints "PORT <n>" once it listens

CONFIG: {
  "vault":  {"tokens": ["t"], "approle": {"role_id": "r", "secret_id": "s"}, "token_uses": 0,
             "kv": {"secret/baton": {"name": "value"}}},
  "azure":  {"tenant": "T", "client_id": "C", "client_secret": "S", "token_uses": 0,
             "secrets": {"name-with-dashes": "value"}}
}
token_uses > 0 makes every issued token expire after that many reads (Vault answers 403,
Key Vault 401), as real tokens do when their TTL runs out. GET /_fake/stats counts requests.
"""
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

config = json.load(open(sys.argv[1]))
lock = threading.Lock()
stats = {"vault_reads": 0, "vault_logins": 0, "azure_reads": 0, "azure_tokens": 0}
tokens = {}  # token -> reads left (None: unlimited)
for static in config.get("vault", {}).get("tokens", []):
    tokens[static] = None
issued = [0]


def issue(kind, uses):
    with lock:
        issued[0] += 1
        token = "%s-token-%d" % (kind, issued[0])
        tokens[token] = uses if uses > 0 else None
        return token


def use(token):
    """True when the token is known and not expired; counts one use."""
    with lock:
        if token not in tokens:
            return False
        left = tokens[token]
        if left is None:
            return True
        if left <= 0:
            return False
        tokens[token] = left - 1
        return True


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_fake/stats":
            with lock:
                return self.answer(200, dict(stats))
        if url.path.startswith("/v1/"):
            return self.vault_read(url.path)
        if url.path.startswith("/secrets/"):
            return self.azure_read(url)
        self.answer(404, {"errors": ["no route %s" % url.path]})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/v1/auth/approle/login":
            return self.vault_login()
        if url.path.endswith("/oauth2/v2.0/token"):
            return self.azure_token(url.path)
        self.answer(404, {"errors": ["no route %s" % url.path]})

    # Vault: GET /v1/<mount>/data/<path>, X-Vault-Token.
    def vault_read(self, path):
        vault = config.get("vault", {})
        with lock:
            stats["vault_reads"] += 1
        if not use(self.headers.get("X-Vault-Token", "")):
            return self.answer(403, {"errors": ["permission denied"]})
        parts = path[len("/v1/"):].split("/data/", 1)
        if len(parts) != 2:
            return self.answer(404, {"errors": []})
        secret = vault.get("kv", {}).get(parts[0] + "/" + parts[1])
        if secret is None:
            return self.answer(404, {"errors": []})
        self.answer(200, {"data": {"data": secret, "metadata": {"version": 1}}})

    def vault_login(self):
        vault = config.get("vault", {})
        with lock:
            stats["vault_logins"] += 1
        try:
            body = json.loads(self.body() or b"{}")
        except ValueError:
            return self.answer(400, {"errors": ["bad json"]})
        role = vault.get("approle", {})
        if not role or body.get("role_id") != role.get("role_id") or body.get("secret_id") != role.get("secret_id"):
            return self.answer(400, {"errors": ["invalid role or secret ID"]})
        token = issue("vault", vault.get("token_uses", 0))
        self.answer(200, {"auth": {"client_token": token, "lease_duration": 3600, "renewable": True}})

    # Entra ID: POST /<tenant>/oauth2/v2.0/token, form-encoded client credentials.
    def azure_token(self, path):
        azure = config.get("azure", {})
        with lock:
            stats["azure_tokens"] += 1
        form = urllib.parse.parse_qs(self.body().decode())
        field = lambda name: (form.get(name) or [""])[0]
        tenant = path.strip("/").split("/")[0]
        if (tenant != azure.get("tenant") or field("grant_type") != "client_credentials" or field("client_id") != azure.get("client_id")
                or field("client_secret") != azure.get("client_secret") or field("scope") != "https://vault.azure.net/.default"):
            return self.answer(401, {"error": "invalid_client", "error_description": "client credentials refused"})
        token = issue("azure", azure.get("token_uses", 0))
        self.answer(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    # Key Vault: GET /secrets/<name>?api-version=7.4, Authorization: Bearer.
    def azure_read(self, url):
        azure = config.get("azure", {})
        with lock:
            stats["azure_reads"] += 1
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not use(auth[len("Bearer "):]):
            return self.answer(401, {"error": {"code": "Unauthorized", "message": "token missing, invalid or expired"}})
        if urllib.parse.parse_qs(url.query).get("api-version") is None:
            return self.answer(400, {"error": {"code": "MissingApiVersionParameter"}})
        name = url.path[len("/secrets/"):].split("/")[0]
        if name not in azure.get("secrets", {}):
            return self.answer(404, {"error": {"code": "SecretNotFound", "message": "secret %s not found" % name}})
        self.answer(200, {"value": azure["secrets"][name], "id": "https://kv/secrets/%s/1" % name, "attributes": {"enabled": True}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
