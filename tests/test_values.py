"""
The public values read back from JSON (`from_json`): what an application's
own store hands back is checked, field by field, and refused with one
clear error (never a TypeError, never a half-made value).
"""

from __future__ import annotations

import dataclasses

from typing import Any

import pytest

from tmdb_auth import AccessToken, ConfigurationError, RequestToken, Session
from tmdb_auth._values import _Value


GOOD = {
    Session: {"kind": "user", "id": "b" * 40, "username": "ann"},
    RequestToken: {"request_token": "c" * 40, "expires_at": 9.0},
    AccessToken: {"access_token": "x.y.z", "account_id": "d" * 24},
}
BAD = [
    (Session, {"kind": "admin"}, "kind"),
    (Session, {"id": "not-hex"}, "id"),
    (Session, {"username": 7}, "username"),
    (Session, {"expires_at": "soon"}, "expires_at"),
    (Session, {"created_at": True}, "expires_at"),
    (Session, {"account_id": [1]}, "account_id"),
    (RequestToken, {"request_token": "a b"}, "request_token"),
    (RequestToken, {"version": 5}, "request_token"),
    (RequestToken, {"expires_at": "later"}, "expires_at"),
    (RequestToken, {"approval_url": 3}, "approval_url"),
    (AccessToken, {"access_token": "one-part"}, "access_token"),
    (AccessToken, {"account_id": 24}, "account_id"),
]


@pytest.mark.parametrize(("cls", "change", "field"), BAD)
def test_a_field_of_the_wrong_shape_is_refused(
    cls: type[Any], change: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigurationError, match=rf"{cls.__name__}\.{field}"):
        cls.from_json({**GOOD[cls], **change})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ({"kind": "user"}, "missing fields"),
    ],
)
def test_not_a_value(data: object, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Session.from_json(data)  # type: ignore[arg-type]


def test_unknown_fields_are_ignored() -> None:
    """A newer writer's extra field does not break an older reader."""
    found = Session.from_json({**GOOD[Session], "added_later": 1})

    assert Session("user", "b" * 40, "ann") == found


def test_replace_and_the_base_class() -> None:
    """Copies go through the checks' constructor; the base is no dataclass."""
    token = RequestToken("c" * 40, 9.0)

    assert 10.0 == dataclasses.replace(token, expires_at=10.0).expires_at
    assert not dataclasses.is_dataclass(_Value)
    assert dataclasses.is_dataclass(token)
