from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A business rule said no. Carries a translated message for the user.

    It is a ValidationError so forms and the admin show it next to the input, and the API
    exception handler turns it into a 400 with the same text.
    """


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    """The user may not do this to this object (403 in the API)."""
