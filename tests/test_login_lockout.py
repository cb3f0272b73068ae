"""Repeated failed sign-ins lock the user name from that address (DESIGN §8: login lockout)."""

import pytest

pytestmark = pytest.mark.django_db


def test_browser_sign_in_locks_after_five_failures(client, rep):
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "rep", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/accounts/login/", {"username": "rep", "password": "wrong"})
    assert response.status_code == 429  # the fifth failure locks
    response = client.post("/accounts/login/", {"username": "rep", "password": "pass-1234"})
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, rep):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "rep", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "rep", "password": "pass-1234"})
    assert response.status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/accounts/login/", {"username": "rep", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "rep", "password": "pass-1234"})
    assert response.status_code == 302


def test_api_token_endpoint_is_locked_too(api, rep):
    for _ in range(4):
        response = api.post(
            "/api/v1/auth/token/", {"username": "rep", "password": "bad"}, format="json"
        )
        assert response.status_code == 400
    response = api.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "bad"}, format="json"
    )
    assert response.status_code == 429  # the fifth failure locks
    response = api.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "pass-1234"}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "token" not in response.json()
