"""/api/v1/: one router; each app adds its viewsets in `<app>/api.py: register(router)`."""

from importlib import import_module
from importlib.util import find_spec

from rest_framework.routers import DefaultRouter

APPS = ["core", "merchants", "products", "reviews", "inspections", "complaints", "reports"]

router = DefaultRouter()
for app in APPS:
    if find_spec(f"{app}.api"):
        import_module(f"{app}.api").register(router)

urlpatterns = router.urls
