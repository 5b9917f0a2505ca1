from merchants.views import standing

app_name = "merchants"
urlpatterns = [*standing.urlpatterns]
