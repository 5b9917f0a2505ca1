"""Pages as different visitors see them: a page's CSRF token and whether the token is
accepted for the visitor who holds it (a cached page must never carry another's)."""

import re

from django.urls import reverse

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def visit(client, url: str, language: str) -> tuple[str, str]:
    """The page's text and the CSRF token of its language switch."""
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    body = page.content.decode()
    return body, TOKEN.search(body).group(1)


def token_accepted(client, token: str) -> bool:
    """Does a POST with this token pass the CSRF check for this client (its own cookie)?"""
    answer = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token
    )
    return answer.status_code == 302
