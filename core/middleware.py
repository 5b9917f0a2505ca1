def client_ip(group, request):
    """The client address behind one trusted proxy (used when BEHIND_PROXY is set)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    # The proxy appends the address it saw last; anything before it is client-supplied.
    return hops[-1] if hops else request.META.get("REMOTE_ADDR", "")
