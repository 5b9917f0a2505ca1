"""Helpers every app's views share."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's field-keyed error on the matching form fields (or on the form as a
    whole). A form whose inputs are named differently from the service's arguments says so
    in `service_fields` ({argument: field}); a field that already shows its own error keeps
    just that one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    renamed = getattr(form, "service_fields", {})
    for name, errors in exc.message_dict.items():
        field = renamed.get(name, name)
        if field not in form.fields:
            form.add_error(None, errors)
        elif field not in form.errors:
            form.add_error(field, errors)


def allowed_if(test):
    """View decorator: signed in (else the login page) and `test(user)` (else 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def safe_next(request, default: str, *, param: str = "next") -> str:
    """The `next` target of a request (POST first, then GET) when it stays on this site,
    else `default` (a URL name or path, as `redirect` takes it). The one place that decides
    where a `next` may lead: absolute URLs to other hosts, `//host` and `\\\\host` forms,
    other schemes and control characters all fall back to `default`."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get(param) or request.GET.get(param) or ""
    if target and url_has_allowed_host_and_scheme(
        target,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure() and not settings.DEBUG,
    ):
        return target
    return default
