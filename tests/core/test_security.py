import json
import os
import subprocess
import sys

from django.conf import settings

from tests.factories import UserFactory
from tests.factories.core import PASSWORD


def production_settings(*names):
    env = {
        **os.environ,
        "DJANGO_PRODUCTION": "1",
        "DJANGO_ALLOWED_HOSTS": "quality.example",
        "DJANGO_SECRET_KEY": "s" * 30 + "-production-secret-" + "t" * 30,
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_production_switch_secures_cookies_and_transport():
    values = production_settings(
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_HTTPONLY",
    )
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SESSION_COOKIE_HTTPONLY": True,
    }


def test_login_is_locked_after_repeated_failures(client, db, settings):
    failures = settings.AXES_FAILURE_LIMIT
    settings.AXES_ENABLED = True
    user = UserFactory(username="staffer")
    for _ in range(failures):
        response = client.post(
            "/accounts/login/",
            {"username": "staffer", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code in (200, 429)
    locked = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_login_works_when_not_locked(client, db, settings):
    settings.AXES_ENABLED = True
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
