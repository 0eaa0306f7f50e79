"""A small but real OpenID Connect provider for the tests: an HTTP server on 127.0.0.1:0 that
serves discovery, authorize (code flow, PKCE S256 checked), token (client_secret_post, code
single use), JWKS and userinfo (signed, as ProConnect does), with RS256 ID tokens.

``provider.claims`` is the identity the next authorisation signs in; ``provider.nonce_override``
makes the ID token carry another nonce (the replay the client must refuse)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "kb-test-client", "kb-test-secret"


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.claims: dict = {}
        self.nonce_override: str | None = None
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign(self, claims: dict) -> str:
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post"]}

    # ------------------------------------------------------------------ endpoints

    def authorize(self, query: dict) -> tuple[int, dict, bytes]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, b"bad client or response type"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, b"PKCE required"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "claims": dict(self.claims)}
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}, b""

    def token(self, form: dict) -> tuple[int, dict, bytes]:
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if (grant is None or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or form.get("redirect_uri") != grant["redirect_uri"]):
            return 400, {}, json.dumps({"error": "invalid_grant"}).encode()
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.rstrip(b"=").decode() != grant["code_challenge"]:
            return 400, {}, json.dumps({"error": "invalid_grant", "error_description": "PKCE"}
                                       ).encode()
        now = int(time.time())
        claims = grant["claims"]
        id_token = self.sign({"iss": self.issuer, "aud": CLIENT_ID, "sub": claims["sub"],
                              "iat": now, "exp": now + 300, "auth_time": now,
                              "nonce": self.nonce_override or grant.get("nonce")})
        access = secrets.token_urlsafe(16)
        self.tokens[access] = claims
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                "id_token": id_token}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def userinfo(self, authorization: str) -> tuple[int, dict, bytes]:
        claims = self.tokens.get(authorization.removeprefix("Bearer "))
        if claims is None:
            return 401, {}, b""
        signed = self.sign({"iss": self.issuer, "aud": CLIENT_ID, **claims})
        return 200, {"Content-Type": "application/jwt"}, signed.encode()

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _reply(self, status: int, headers: dict, body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    body = json.dumps(provider.metadata()).encode()
                    return self._reply(200, {"Content-Type": "application/json"}, body)
                if parts.path == "/jwks":
                    keys = {"keys": [provider.key.as_dict(private=False)]}
                    return self._reply(200, {"Content-Type": "application/json"},
                                       json.dumps(keys).encode())
                if parts.path == "/authorize":
                    return self._reply(*provider.authorize(query))
                if parts.path == "/userinfo":
                    return self._reply(*provider.userinfo(self.headers.get("Authorization", "")))
                return self._reply(404, {}, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/token":
                    return self._reply(*provider.token(form))
                return self._reply(404, {}, b"")

        return Handler
