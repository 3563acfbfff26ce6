"""The shapes of ids and tokens: string methods, exactly the patterns."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tmdb_auth._shapes import alnum, has_control, hex_id, is_url, jwt


#: Text that is mostly near a shape, with some of everything else.
ALPHABET = st.sampled_from(
    "0123456789abcdefABCDEFxyzXYZ_-.:/+ \t\n\x00\x7f\x1féÀ\u0660"
)
TEXT = st.text(ALPHABET, max_size=48) | st.text(max_size=8)


@given(TEXT)
def test_hex_id(text: str) -> None:
    for n in (24, 32, 40):
        expected = re.fullmatch(f"[0-9a-fA-F]{{{n}}}", text) is not None
        assert hex_id(text, n) is expected
    both = re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}", text) is not None
    assert hex_id(text, 32, 40) is both


@given(st.lists(TEXT, min_size=1, max_size=4).map(".".join))
def test_jwt(text: str) -> None:
    part = "[A-Za-z0-9_-]{1,20}"
    expected = re.fullmatch(f"{part}(?:\\.{part}){{2}}", text) is not None
    assert jwt(text, 20) is expected


@given(TEXT)
def test_alnum(text: str) -> None:
    expected = re.fullmatch("[0-9A-Za-z]{1,30}", text) is not None
    assert alnum(text, 30) is expected


@given(TEXT)
def test_has_control(text: str) -> None:
    assert has_control(text) is (
        re.search("[\x00-\x1f\x7f]", text) is not None
    )


@given(TEXT.map(lambda t: t.replace("/", "://", 1)))
def test_is_url(text: str) -> None:
    expected = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text) is not None
    assert is_url(text) is expected


def test_not_strings() -> None:
    for value in (None, 0, b"a" * 32, ["a" * 32]):
        assert not hex_id(value, 32)
        assert not jwt(value)
        assert not alnum(value, 64)
