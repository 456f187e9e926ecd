"""The login form."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django's form sets the username's ``max_length`` on the widget only, so a longer name typed (or
    posted) reached ``authenticate`` and overflowed the lockout table's username column: a 500 instead of
    "wrong username or password". Such a name cannot belong to anyone: refuse it as a form error."""

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
