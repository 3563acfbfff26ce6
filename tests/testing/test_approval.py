"""
Tests of approving as anyone: the approval page lets the person pick (or
sign in as) any user of the stand-in, as TMDb's own login page does, and
click(url, user=...) plays that person.
"""

from __future__ import annotations

import urllib.error

import httpx
import pytest

from tmdb_auth.testing import TMDbServer, click

from .helpers import new_token


def _session_user(client: httpx.Client, token: str) -> str:
    sid = client.post(
        "/3/authentication/session/new", json={"request_token": token}
    ).json()["session_id"]
    account = client.get("/3/account", params={"session_id": sid})
    name: str = account.json()["username"]
    return name


class TestApproveAsAnyone:
    def test_page_offers_every_user(
        self, server: TMDbServer, client: httpx.Client, web: httpx.Client
    ):
        """
        The page's allow form has a user picker: every user, the default
        one preselected; and a sign-in form with a password field.
        """
        server.add_user("bob", "bob-pw")
        server.add_user("carol", "carol-pw")
        page = web.get(f"{server.url}/authenticate/{new_token(client)}").text

        assert '<select id="username" name="username">' in page
        assert '<option value="ann" selected>ann</option>' in page
        assert '<option value="bob">bob</option>' in page
        assert '<option value="carol">carol</option>' in page
        assert 'type="password" name="password"' in page
        assert '<button id="login"' in page

    def test_click_as_another_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        click(url, user="bob") approves as bob: the session is bob's.
        """
        server.add_user("bob", "bob-pw")
        token = new_token(client)

        click(f"{server.url}/authenticate/{token}", user="bob")

        assert "bob" == _session_user(client, token)

    def test_click_default_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        Without user=, the preselected default user approves.
        """
        server.add_user("bob", "bob-pw")
        token = new_token(client)

        click(f"{server.url}/authenticate/{token}")

        assert "ann" == _session_user(client, token)

    def test_sign_in_with_password(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        click(url, user=, password=) signs in as that user and approves.
        """
        server.add_user("bob", "bob-pw")
        token = new_token(client)

        ended = click(
            f"{server.url}/authenticate/{token}", user="bob", password="bob-pw"
        )

        assert ended.endswith(f"/authenticate/{token}/allow")
        assert "bob" == _session_user(client, token)

    @pytest.mark.parametrize(
        ("user", "password"),
        [("bob", "wrong"), ("nobody", "pw"), ("dave", "dave-pw")],
    )
    def test_sign_in_refused(
        self,
        server: TMDbServer,
        client: httpx.Client,
        user: str,
        password: str,
    ):
        """
        A wrong password, an unknown or a disabled user: 401, and the token
        stays unapproved (session/new is 401/17).
        """
        server.add_user("bob", "bob-pw")
        server.add_user("dave", "dave-pw", disabled=True)
        token = new_token(client)

        with pytest.raises(urllib.error.HTTPError) as refused:
            click(
                f"{server.url}/authenticate/{token}",
                user=user,
                password=password,
            )
        refused.value.close()
        r = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 401 == refused.value.code
        assert (401, 17) == (r.status_code, r.json()["status_code"])

    def test_click_unknown_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        A user the page does not offer is a LookupError naming who it offers.
        """
        token = new_token(client)

        with pytest.raises(
            LookupError, match=r"offers no user .zed. .it offers ann"
        ):
            click(f"{server.url}/authenticate/{token}", user="zed")

    def test_posted_unknown_user(
        self, server: TMDbServer, client: httpx.Client, web: httpx.Client
    ):
        """
        A form posted with a username that does not exist: 400.
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/allow",
            data={"username": "zed"},
        )

        assert 400 == r.status_code

    def test_deny_takes_no_user(self, server: TMDbServer):
        """
        user= with the deny button is a ValueError, before any request.
        """
        with pytest.raises(ValueError, match="allow"):
            click(server.url + "/authenticate/x", "deny", user="bob")
        with pytest.raises(ValueError, match="user="):
            click(server.url + "/authenticate/x", password="pw")
        assert 0 == server.count()

    def test_v4_as_another_user(self, server: TMDbServer, raw: httpx.Client):
        """
        The v4 page offers the users too: the access token is bob's.
        """
        server.add_user("bob", "bob-pw")
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        token = raw.post("/4/auth/request_token", headers=bearer).json()[
            "request_token"
        ]

        click(f"{server.url}/auth/access?request_token={token}", user="bob")
        access = raw.post(
            "/4/auth/access_token",
            headers=bearer,
            json={"request_token": token},
        ).json()["access_token"]
        sid = raw.post(
            "/3/authentication/session/convert/4",
            headers=bearer,
            json={"access_token": access},
        ).json()["session_id"]
        account = raw.get(
            "/3/account", headers=bearer, params={"session_id": sid}
        )

        assert "bob" == account.json()["username"]
