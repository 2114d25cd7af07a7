"""Signing in and out through the browser-facing pages."""

from __future__ import annotations

from tests.conftest import DEMO_PASSWORD, csrf_token_from, sign_in


def test_pages_need_login(demo_client) -> None:
    """Anonymous visitors are sent to the login page from every customer-data page."""
    for path in ("/", "/customers/", "/customers/1", "/volunteers/", "/volunteers/1"):
        response = demo_client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_login_and_logout(demo_client) -> None:
    response = sign_in(demo_client, "office-dg")
    assert response.status_code == 302
    page = demo_client.get("/").get_data(as_text=True)
    assert "Dumfries &amp; Galloway" in page and "This week" in page
    token = csrf_token_from(page)
    assert demo_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert demo_client.get("/").status_code == 302


def test_wrong_password_is_explained_without_saying_which_part(demo_client) -> None:
    response = sign_in(demo_client, "office-dg", "not the password at all")
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)
    response = sign_in(demo_client, "nobody-here", "not the password at all")
    assert "do not match" in response.get_data(as_text=True)


def test_login_form_needs_csrf_token(demo_client) -> None:
    """A login post without the CSRF token is refused and signs nobody in."""
    response = demo_client.post("/login", data={"username": "office-dg", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert demo_client.get("/").status_code == 302


def test_copied_cookie_stops_working_after_logout(demo_app) -> None:
    """The session cookie of a signed-out browser, replayed by another, opens nothing."""
    browser = demo_app.test_client()
    sign_in(browser, "office-dg")
    cookie = browser.get_cookie("foodtrain_session")
    assert cookie is not None
    thief = demo_app.test_client()
    thief.set_cookie("foodtrain_session", cookie.value)
    assert thief.get("/customers/").status_code == 200
    token = csrf_token_from(browser.get("/").get_data(as_text=True))
    browser.post("/logout", data={"csrf_token": token})
    assert thief.get("/customers/").status_code == 302


def test_next_parameter_stays_on_site(demo_client) -> None:
    page = demo_client.get("/login?next=https://evil.example/").get_data(as_text=True)
    response = demo_client.post(
        "/login?next=https://evil.example/",
        data={"username": "office-dg", "password": DEMO_PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    assert response.headers["Location"] == "/"


def test_security_headers_on_every_response(demo_client) -> None:
    for path in ("/login", "/static/css/app.css", "/no-such-page"):
        response = demo_client.get(path)
        headers = response.headers
        response.close()
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert demo_client.get("/login").headers["Cache-Control"] == "no-store"
    cookie_header = sign_in(demo_client, "office-dg").headers["Set-Cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header
