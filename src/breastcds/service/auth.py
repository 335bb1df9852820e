"""Access control: API tokens with roles, and the CDS Hooks client JWT.

API tokens (``Authorization: Bearer bcds_<id>.<secret>``) carry one role; roles are ordered
``read`` < ``assess`` < ``admin`` and a role includes those below it:

- ``read``: list and read stored assessments, knowledge version and rules;
- ``assess``: also submit cases (``POST /assess``, ``POST /assess/fhir``);
- ``admin``: also read the audit trail and create or revoke tokens.

A missing or unknown token is 401, a known token with too small a role is 403; both are
audited. Tokens are stored as salted hashes and never logged.

CDS Hooks calls authenticate the CDS client (the EHR), not a user: per the CDS Hooks 2.0
security model the client signs a short-lived JWT; the service accepts it only from an issuer on
its allow-list (``BREASTCDS_CDS_CLIENTS``), with keys fetched from that issuer's configured JWK
Set URL (a ``jku`` header must equal it) or file, an audience equal to the service endpoint,
``exp`` at most five minutes ahead and a ``jti`` not seen before. Test mode
(``BREASTCDS_CDS_TEST_SECRET``) also accepts HS256 tokens signed with that shared secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from breastcds.service.settings import CdsClient, Settings
from breastcds.service.storage import ROLES, AuditEvent, Role, Store, TokenInfo

_RANK = {r: i for i, r in enumerate(ROLES)}

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="API token created by `breastcds token create --role ROLE` (roles: read, "
    "assess, admin).",
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API token (``token:<id>``) or a CDS client (``cds:<iss>``)."""

    who: str
    role: str
    token: TokenInfo | None = None


def _client_host(request: Request) -> str | None:
    return request.client.host if request.client else None


def _deny(request: Request, status: int, message: str, who: str, role: str | None) -> HTTPException:
    store: Store = request.app.state.store
    store.audit(
        AuditEvent(
            type_code="110113",  # DCM Security Alert
            subtype="authorization" if status == 403 else "authentication",
            action="E",
            outcome="4",
            outcome_desc=message,
            agent_who=who,
            agent_role=role,
            agent_network=_client_host(request),
            entity_what=f"{request.method} {request.url.path}",
            entity_type="endpoint",
            request_id=getattr(request.state, "request_id", None),
        )
    )
    headers = {"WWW-Authenticate": 'Bearer realm="breastcds"'} if status == 401 else None
    return HTTPException(status_code=status, detail=message, headers=headers)


def require(min_role: Role) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the caller's principal, or 401/403.

    Async: a token the admission guard verified (or the store remembers) costs no thread hop;
    only a lookup or an audit write runs in the thread pool."""

    async def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise await run_in_threadpool(
                _deny,
                request,
                401,
                "an API token is required (Authorization: Bearer ...)",
                "anonymous",
                None,
            )
        store: Store = request.app.state.store
        # The admission guard may have verified it already (before the body was read).
        verified = request.scope.get("state", {}).get("api_token", False)
        if verified is not False:
            info = verified
        else:
            found, info = store.cached_token(credentials.credentials)
            if not found:
                info = await run_in_threadpool(store.verify_token, credentials.credentials)
        if info is None:
            raise await run_in_threadpool(
                _deny, request, 401, "the API token is not valid or was revoked", "anonymous", None
            )
        if _RANK[info.role] < _RANK[min_role]:
            raise await run_in_threadpool(
                _deny,
                request,
                403,
                f"this needs the {min_role!r} role; the token has {info.role!r}",
                f"token:{info.id}",
                info.role,
            )
        principal = Principal(who=f"token:{info.id}", role=info.role, token=info)
        request.state.principal = principal
        return principal

    dependency.__name__ = f"require_{min_role}"
    return dependency


# Route parameter types (module level, so that FastAPI can resolve the string annotations).
Reader = Annotated[Principal, Depends(require("read"))]
Assessor = Annotated[Principal, Depends(require("assess"))]
Admin = Annotated[Principal, Depends(require("admin"))]


# --- CDS Hooks client JWT -------------------------------------------------------------------

ASYMMETRIC_ALGORITHMS = ["ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS384", "PS256"]
MAX_LIFETIME_S = 300
LEEWAY_S = 30


class CdsAuthError(Exception):
    """The CDS client's JWT was not accepted (the message says why, without the token)."""


class CdsJwtVerifier:
    """Verifies CDS client JWTs against the allow-list; remembers ``jti`` values to stop replay."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store
        self._clients = {c.issuer: c for c in settings.cds_clients}
        self._jwk_clients: dict[str, jwt.PyJWKClient] = {}
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def _key_for(self, client: CdsClient, token: str, header: dict[str, Any]) -> Any:
        jku = header.get("jku")
        if jku is not None and jku != client.jku:
            raise CdsAuthError("the JWT's jku is not the JWK Set URL configured for its issuer")
        kid = header.get("kid")
        if client.jwks_file is not None:
            try:
                jwks = jwt.PyJWKSet.from_dict(json.loads(client.jwks_file.read_text("utf-8")))
            except (OSError, ValueError, jwt.PyJWKError) as exc:
                raise CdsAuthError(
                    f"the JWK Set file of issuer {client.issuer!r} "
                    f"cannot be read: {type(exc).__name__}"
                ) from None
            for key in jwks.keys:
                if kid is None or key.key_id == kid:
                    return key.key
            raise CdsAuthError("no key in the issuer's JWK Set matches the JWT's kid")
        assert client.jku is not None
        with self._lock:
            jwk_client = self._jwk_clients.get(client.issuer)
            if jwk_client is None:
                jwk_client = jwt.PyJWKClient(client.jku, cache_keys=True, lifespan=300, timeout=5)
                self._jwk_clients[client.issuer] = jwk_client
        try:
            return jwk_client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise CdsAuthError(f"the issuer's signing key could not be obtained: {exc}") from None

    def verify(self, token: str, audiences: list[str]) -> dict[str, Any]:
        """The verified claims, or :class:`CdsAuthError`.

        ``audiences`` must be built from the configured base URL (``public_base_url``, else the
        address the service listens on), never from the request's Host header."""
        if not self.settings.audience_base_url:
            raise CdsAuthError(
                "the service's public URL is not configured (BREASTCDS_PUBLIC_BASE_URL)"
            )
        base = self.settings.audience_base_url
        if any(not a.startswith(base + "/") for a in audiences):
            raise CdsAuthError("the expected audience is not the configured service URL")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise CdsAuthError("the bearer credential is not a JWT") from None
        iss = unverified.get("iss")
        if not isinstance(iss, str) or not iss:
            raise CdsAuthError("the JWT has no issuer (iss)")
        alg = header.get("alg")
        if alg == "HS256" and self.settings.cds_test_secret is not None:
            key: Any = self.settings.cds_test_secret
            algorithms = ["HS256"]
        else:
            client = self._clients.get(iss)
            if client is None:
                raise CdsAuthError(f"issuer {iss!r} is not a trusted CDS client")
            if alg not in ASYMMETRIC_ALGORITHMS:
                raise CdsAuthError(f"JWT algorithm {alg!r} is not accepted")
            key = self._key_for(client, token, header)
            algorithms = [alg]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=audiences,
                issuer=iss,
                leeway=LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise CdsAuthError(f"the JWT was not accepted: {exc}") from None
        now = time.time()
        if float(claims["exp"]) > now + MAX_LIFETIME_S + LEEWAY_S:
            raise CdsAuthError("the JWT expires more than five minutes ahead")
        jti = f"{iss}|{claims['jti']}"
        if self.store is not None:  # stored until the JWT expires: survives restarts
            key = hashlib.sha256(jti.encode("utf-8", "surrogatepass")).hexdigest()
            until = dt.datetime.fromtimestamp(float(claims["exp"]) + LEEWAY_S, dt.UTC)
            if not self.store.remember_jti(key, until):
                raise CdsAuthError("the JWT's jti was already used (replay)")
            return claims
        with self._lock:
            for k in [k for k, exp in self._seen.items() if exp < now - LEEWAY_S]:
                del self._seen[k]
            if jti in self._seen:
                raise CdsAuthError("the JWT's jti was already used (replay)")
            self._seen[jti] = float(claims["exp"])
        return claims
