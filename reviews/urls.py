from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("products/<int:product_id>/reviews/", views.product_reviews, name="product-reviews"),
    path("review/<str:token>/", views.write, name="write"),
    path("merchant/ratings/", views.merchant_ratings, name="merchant-ratings"),
    path("merchant/reviews/<int:pk>/reply/", views.merchant_reply, name="merchant-reply"),
    path("staff/reviews/", views.moderation, name="moderation"),
    path("staff/reviews/<int:pk>/fold/", views.staff_fold, name="staff-fold"),
    path("staff/reviews/<int:pk>/unfold/", views.staff_unfold, name="staff-unfold"),
    path("staff/reviews/signals/<int:pk>/dismiss/", views.staff_dismiss, name="staff-dismiss"),
]
