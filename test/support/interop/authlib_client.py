"""A confidential OpenID Connect client written with Authlib, as a Python shop would write it.

Used by test/e2e/interop-authlib.test.ts; runs with Debian's python3 and python3-authlib. It talks
JSON lines: argv[1] is the settings (issuer, client_id, client_secret, auth_method, redirect_uri,
alg); it prints {"authorization_url": ...}, reads the URL the browser was sent back to (the
authorization response) from stdin, then redeems the code and prints one result line:
{"ok": true, "claims": ..., "alg": ..., "userinfo": ...} or {"ok": false, "error": ..., ...}.

Checks, beyond Authlib's own: the RFC 9207 `iss` of the authorization response; the ID token's
signature (JWKS, only the configured `alg` accepted), iss, aud, exp, iat, nonce, azp and at_hash
(authlib.oidc.core.CodeIDToken, with iss, aud, nonce and at_hash required); userinfo's `sub`
equals the ID token's (OIDC Core 5.3.2).
"""
import json
import sys
from urllib.parse import parse_qs, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
from authlib.oidc.core import CodeIDToken


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    cfg = json.loads(sys.argv[1])
    http = requests.Session()
    http.trust_env = False  # no proxy variables: everything is on this machine
    meta = http.get(cfg["issuer"] + "/.well-known/openid-configuration", timeout=10).json()
    if meta.get("issuer") != cfg["issuer"]:
        return emit({"ok": False, "error": "discovery_issuer_mismatch", "issuer": meta.get("issuer")})

    client = OAuth2Session(
        cfg["client_id"],
        cfg["client_secret"],
        scope="openid email profile",
        redirect_uri=cfg["redirect_uri"],
        token_endpoint_auth_method=cfg["auth_method"],
        code_challenge_method="S256",
    )
    client.trust_env = False
    nonce = generate_token(24)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
    emit({"authorization_url": url})

    callback = sys.stdin.readline().strip()
    params = parse_qs(urlparse(callback).query)
    if "error" in params:
        return emit({"ok": False, "error": params["error"][0], "stage": "authorization"})
    # RFC 9207 2.4: an issuer that says it sends iss must send this one.
    if meta.get("authorization_response_iss_parameter_supported") and params.get("iss") != [meta["issuer"]]:
        return emit({"ok": False, "error": "iss_mismatch", "stage": "authorization", "iss": params.get("iss")})

    try:
        token = client.fetch_token(
            meta["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
        )
    except OAuthError as e:
        return emit({"ok": False, "error": e.error, "description": e.description, "stage": "token"})

    jwks = JsonWebKey.import_key_set(http.get(meta["jwks_uri"], timeout=10).json())
    try:
        claims = JsonWebToken([cfg["alg"]]).decode(
            token["id_token"],
            key=lambda header, _payload: jwks.find_by_kid(header.get("kid")),
            claims_cls=CodeIDToken,
            claims_options={
                "iss": {"essential": True, "value": meta["issuer"]},
                "aud": {"essential": True, "value": cfg["client_id"]},
                "nonce": {"essential": True},
                "at_hash": {"essential": True},
            },
            claims_params={"nonce": nonce, "client_id": cfg["client_id"], "access_token": token["access_token"]},
        )
        claims.validate(leeway=5)
    except (JoseError, ValueError) as e:
        return emit({"ok": False, "error": "id_token_invalid", "description": repr(e), "stage": "id_token"})

    userinfo = client.get(meta["userinfo_endpoint"], timeout=10)
    userinfo.raise_for_status()
    info = userinfo.json()
    if info.get("sub") != claims["sub"]:
        return emit({"ok": False, "error": "userinfo_sub_mismatch", "stage": "userinfo"})
    emit({"ok": True, "alg": claims.header["alg"], "claims": dict(claims), "userinfo": info, "token_type": token.get("token_type")})


if __name__ == "__main__":
    main()
