from django.urls import path

from products import supplier_views, views

app_name = "products"
urlpatterns = [
    path("merchant/products/", views.merchant_products, name="merchant-products"),
    path("merchant/products/new/", views.merchant_product_edit, name="merchant-product-new"),
    path("merchant/products/<int:pk>/", views.merchant_product_edit, name="merchant-product-edit"),
    path("merchant/products/check/", views.merchant_claim_check, name="merchant-claim-check"),
    path("merchant/standards/", views.merchant_standards, name="merchant-standards"),
    path("staff/claims/", views.staff_claims, name="staff-claims"),
    path("staff/claims/rescan/", views.staff_rescan, name="staff-rescan"),
    path("staff/suppliers/", supplier_views.staff_suppliers, name="staff-suppliers"),
    path("staff/suppliers/<int:pk>/", supplier_views.staff_supplier, name="staff-supplier"),
]
