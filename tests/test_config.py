"""
Constructor checks, shared by both adapters: bad input fails at once.

Every refusal is a `ConfigurationError` (also a ValueError) that names the
parameter or environment variable and never quotes the refused value.
"""

from __future__ import annotations

import base64
import json
import string

from typing import Any

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth import ConfigurationError
from tmdb_auth._config import Credential, Origin, is_loopback


KEY = "0123456789abcdef0123456789abcdef"
SESSION = "a" * 40


def jwt(claims: dict[str, Any]) -> str:
    def part(obj: object) -> str:
        raw = json.dumps(obj).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


READ_TOKEN = jwt({"aud": KEY, "sub": "0" * 24, "scopes": ["api_read"]})

ADAPTERS = [tmdb_auth.requests.TMDbAuth, tmdb_auth.httpx.TMDbAuth]


@pytest.fixture(params=ADAPTERS, ids=["requests", "httpx"])
def adapter(request: pytest.FixtureRequest) -> Any:
    return request.param


class TestCredential:
    def test_key_by_shape(self, adapter: Any) -> None:
        """A 32-hex value is a v3 API key."""
        auth = adapter(KEY)

        assert "api_key" == auth.settings.credential.kind

    def test_read_token_by_shape(self, adapter: Any) -> None:
        """A JWT is a read access token, sent as a Bearer."""
        auth = adapter(READ_TOKEN)

        assert "bearer" == auth.settings.credential.kind

    def test_token_and_key_share_identity(self) -> None:
        """A read token names its API key, so both find the same cache."""
        assert (
            Credential.parse(KEY, "api_key=").identity
            == Credential.parse(READ_TOKEN, "api_key=").identity
        )

    def test_key_from_environment(
        self, adapter: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """TMDB_API_KEY is read when api_key= is not given."""
        monkeypatch.setenv("TMDB_API_KEY", KEY)

        assert KEY == adapter().settings.credential.value.reveal()

    def test_read_token_from_environment(
        self, adapter: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """TMDB_READ_ACCESS_TOKEN is the fallback."""
        monkeypatch.setenv("TMDB_READ_ACCESS_TOKEN", READ_TOKEN)

        assert "bearer" == adapter().settings.credential.kind

    def test_missing(self, adapter: Any) -> None:
        """No credential at all says where to get one."""
        with pytest.raises(ConfigurationError) as info:
            adapter()

        assert "TMDB_API_KEY" in str(info.value)
        assert "settings/api" in str(info.value)
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize(
        "bad",
        [
            "",
            "   ",
            "not-a-key",
            KEY + "\n",
            " " + KEY,
            KEY[:-1],
            KEY + "0",
            "g" * 32,
            "eyJhbGciOiJIUzI1NiJ9.e30",
            "Bearer " + READ_TOKEN,
        ],
    )
    def test_bad_shapes(self, adapter: Any, bad: str) -> None:
        """Malformed keys are refused, naming api_key= but not the value."""
        with pytest.raises(ConfigurationError) as info:
            adapter(bad)

        assert "api_key=" in str(info.value)
        if bad.strip():
            assert bad.strip() not in str(info.value)

    def test_bad_env_names_the_variable(
        self, adapter: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bad environment value names the variable."""
        monkeypatch.setenv("TMDB_API_KEY", "nope")

        with pytest.raises(ConfigurationError, match="TMDB_API_KEY"):
            adapter()

    def test_wrong_type(self, adapter: Any) -> None:
        """A non-string key is refused with its type."""
        with pytest.raises(ConfigurationError, match="int"):
            adapter(12345)

    def test_repr_masks(self, adapter: Any) -> None:
        """The repr shows the last four characters of secrets only."""
        auth = adapter(KEY, session_id=SESSION, username="ann", password="pw1")

        text = repr(auth)

        assert KEY not in text
        assert SESSION not in text
        assert "pw1" not in text
        assert "…cdef" in text
        assert "username='ann'" in text


class TestOther:
    @pytest.mark.parametrize("mode", ["guests", "", "USER", 1])
    def test_bad_session_mode(self, adapter: Any, mode: Any) -> None:
        """session= takes auto, guest, user or None."""
        with pytest.raises(ConfigurationError, match="session="):
            adapter(KEY, session=mode)

    @pytest.mark.parametrize(
        "sid", ["abc", "a" * 41, "z" * 40, "a" * 39 + "\n"]
    )
    def test_bad_session_id(self, adapter: Any, sid: str) -> None:
        """session_id= must look like a TMDb session id."""
        with pytest.raises(ConfigurationError, match="session_id="):
            adapter(KEY, session_id=sid)

    def test_guest_with_password(self, adapter: Any) -> None:
        """Asking for guest sessions with a password is a contradiction."""
        with pytest.raises(ConfigurationError, match="guest"):
            adapter(KEY, session="guest", username="ann", password="pw")

    @pytest.mark.parametrize("name", ["", " ann", "an\nn", "ann\x00"])
    def test_bad_username(self, adapter: Any, name: str) -> None:
        """Usernames with control characters or padding are refused."""
        with pytest.raises(ConfigurationError, match="username="):
            adapter(KEY, username=name)

    @pytest.mark.parametrize("pw", ["", "a\r\nb"])
    def test_bad_password(self, adapter: Any, pw: str) -> None:
        """Empty passwords and control characters are refused."""
        with pytest.raises(ConfigurationError, match="password="):
            adapter(KEY, username="ann", password=pw)

    def test_password_callable_is_not_called_early(self, adapter: Any) -> None:
        """A password callable is only asked when a login happens."""
        calls: list[int] = []

        adapter(KEY, username="ann", password=lambda: str(calls.append(1)))

        assert [] == calls

    def test_approve_must_be_callable(self, adapter: Any) -> None:
        """approve= takes a callable."""
        with pytest.raises(ConfigurationError, match="approve="):
            adapter(KEY, approve="yes")

    def test_bad_cache(self, adapter: Any) -> None:
        """cache= takes a path, a diskcache.Cache or None."""
        with pytest.raises(ConfigurationError, match="cache="):
            adapter(KEY, cache=3.5)

    def test_equality(self, adapter: Any) -> None:
        """Two auths with the same configuration are equal."""
        assert adapter(KEY, username="ann") == adapter(KEY, username="ann")
        assert adapter(KEY, username="ann") != adapter(KEY, username="bob")


class TestOrigin:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("https://api.themoviedb.org", "https://api.themoviedb.org"),
            ("https://API.themoviedb.org/", "https://api.themoviedb.org"),
            ("https://api.themoviedb.org:443", "https://api.themoviedb.org"),
            ("https://api.themoviedb.org/3", "https://api.themoviedb.org"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://localhost:1", "http://localhost:1"),
            ("http://[::1]:9", "http://[::1]:9"),
        ],
    )
    def test_accepted(self, url: str, expected: str) -> None:
        """Origins are normalised."""
        assert expected == Origin.parse(url, "api_url=").url

    @pytest.mark.parametrize(
        "url",
        [
            "http://api.themoviedb.org",
            "http://10.0.0.1:8080",
            "ftp://api.themoviedb.org",
            "https://",
            "https://user:pw@api.themoviedb.org",
            "https://api.themoviedb.org/?x=1",
            "https://api.themoviedb.org/v9",
            "https://api.themoviedb.org:99999",
        ],
    )
    def test_refused(self, adapter: Any, url: str) -> None:
        """Plain http off loopback, and anything not an origin, is refused."""
        with pytest.raises(ConfigurationError, match="api_url="):
            adapter(KEY, api_url=url)

    def test_env(self, adapter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        """TMDB_API_URL is read, and named when wrong."""
        monkeypatch.setenv("TMDB_API_URL", "http://example.com")

        with pytest.raises(ConfigurationError, match="TMDB_API_URL"):
            adapter(KEY)

    @pytest.mark.parametrize(
        ("host", "expected"),
        [
            ("127.0.0.1", True),
            ("127.9.9.9", True),
            ("::1", True),
            ("localhost", True),
            ("localhost.example.com", False),
            ("10.0.0.1", False),
        ],
    )
    def test_loopback(self, host: str, expected: bool) -> None:
        """Only this machine's names count as loopback."""
        assert expected is is_loopback(host)


text = st.text(
    alphabet=st.characters(codec="utf-8"), max_size=300
) | st.sampled_from(
    [KEY + "\r\nX-Evil: 1", "\x00" * 5, "é" * 32, string.hexdigits * 40]
)


class TestHostileInput:
    @settings(max_examples=300, deadline=None)
    @given(
        api_key=text, username=st.none() | text, session_id=st.none() | text
    )
    def test_only_configuration_errors(
        self, api_key: str, username: str | None, session_id: str | None
    ) -> None:
        """Any text either builds an auth or raises ConfigurationError."""
        for adapter in ADAPTERS:
            try:
                auth = adapter(
                    api_key, username=username, session_id=session_id
                )
            except ConfigurationError as exc:
                assert api_key not in str(exc) or len(api_key) < 4  # noqa: PT017
                continue
            assert "\n" not in auth.settings.credential.value
            assert "\r" not in auth.settings.credential.value

    @settings(max_examples=200, deadline=None)
    @given(url=text)
    def test_api_url(self, url: str) -> None:
        """Any api_url either parses to an origin or is refused clearly."""
        try:
            origin = Origin.parse(url, "api_url=")
        except ConfigurationError:
            return
        assert origin.scheme in ("http", "https")
        assert not any(c in origin.url for c in "\r\n\x00 ")
