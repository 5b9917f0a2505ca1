from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api import APPS
from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("health/", core_views.HealthView.as_view(), name="health"),
    path("health/live/", core_views.liveness, name="health-live"),
    path("health/ready/", core_views.ReadinessView.as_view(), name="health-ready"),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("core.urls")),
]
# Each app's pages (staff pages, merchant portal under /merchant/, public forms).
urlpatterns += [path("", include(f"{app}.urls")) for app in APPS[1:] if find_spec(f"{app}.urls")]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
