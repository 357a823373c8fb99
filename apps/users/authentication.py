"""simplejwt's JWT authentication, which also refuses tokens issued before the user's
``tokens_valid_after`` (set when the account is deactivated).

simplejwt refuses an inactive user's tokens, but only while the user stays inactive: a
reactivated account would get back every access token issued before the deactivation
(until they expire). The check reads a column of the user row simplejwt loads anyway, so
it costs no query.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication

REVOKED = "The token was issued before the account was deactivated."


def issued_before_revocation(payload, tokens_valid_after: dt.datetime | None) -> bool:
    """Whether a token (its ``iat``, whole seconds) was issued before ``tokens_valid_after``.

    A token from the very second of a deactivation counts as before it: refusing a fresh
    token once is better than keeping an old one alive.
    """
    if tokens_valid_after is None:
        return False
    issued_at = payload.get("iat")
    return not isinstance(issued_at, int | float) or issued_at < tokens_valid_after.timestamp()


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if issued_before_revocation(validated_token.payload, user.tokens_valid_after):
            # Answered like a token of an inactive user: 401 token_not_valid, "revoked".
            raise AuthenticationFailed(REVOKED, code="user_inactive")
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of the subclass: simplejwt's, unchanged."""

    target_class = "apps.users.authentication.JWTAuthentication"
