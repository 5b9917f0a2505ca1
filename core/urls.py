from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-read"),
    path("files/<uuid:pk>/", views.download, name="download"),
]
