"""Constants and helper functions shared by the stand-in server tests."""

from __future__ import annotations

import base64
import json
import re
import ssl

from datetime import UTC, datetime

import httpx

from tmdb_auth.testing import TMDbServer


MSG3 = (
    "Authentication failed: You do not have permissions to access the service."
)
BODY7 = (
    b'{"status_code":7,"status_message":"Invalid API key: You must be '
    b'granted a valid key.","success":false}'
)
BODY17 = (
    b'{"success":false,"failure":true,"status_code":17,'
    b'"status_message":"Session denied."}'
)
JSON_TYPE = "application/json; charset=utf-8"
HEX40 = re.compile(r"[0-9a-f]{40}")
HEX32 = re.compile(r"[0-9a-f]{32}")
# httpx builds an SSL context per client (tens of ms); share one instead.
TLS = ssl.create_default_context()


def err(code: int, message: str) -> dict[str, object]:
    return {"success": False, "status_code": code, "status_message": message}


def parse_ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S UTC").replace(
        tzinfo=UTC
    )


def jwt_part(token: str, index: int) -> dict[str, object]:
    part = token.split(".")[index]
    loaded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    )
    return loaded


def new_token(client: httpx.Client) -> str:
    token: str = client.get("/3/authentication/token/new").json()[
        "request_token"
    ]
    return token


def login(server: TMDbServer, client: httpx.Client) -> str:
    token = new_token(client)
    server.approve(token)
    r = client.post(
        "/3/authentication/session/new", json={"request_token": token}
    )
    sid: str = r.json()["session_id"]
    return sid


def guest(client: httpx.Client) -> str:
    r = client.get("/3/authentication/guest_session/new")
    gid: str = r.json()["guest_session_id"]
    return gid
