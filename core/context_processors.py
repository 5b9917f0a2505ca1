from core.alerts import unread_count
from core.navigation import items_for
from core.roles import is_staff_member


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": items_for(user)}
    return {
        "nav_items": items_for(user),
        "unread_alerts": unread_count(user),
        "is_staff_member": is_staff_member(user),
    }
