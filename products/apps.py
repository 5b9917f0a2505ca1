from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = _("Products")
    role_permissions = {
        "quality_manager": ["view_*"],
        "data_analysis": ["view_*"],
        "quality_management": [
            "*_qualitystandard",
            "*_standardversion",
            "*_requirement",
            "*_claimterm",
            "*_claimphrase",
            "view_claimflag",
            "change_claimflag",
            "view_scanrun",
            "add_scanrun",
            "view_product",
            "change_product",
            "*_supplier",
            "*_lot",
        ],
        "merchant_management": [
            "view_product",
            "change_product",
            "view_claimflag",
            "change_claimflag",
            "view_claimterm",
            "view_claimphrase",
            "view_scanrun",
            "view_qualitystandard",
            "view_standardversion",
            "view_requirement",
        ],
        "consumer_service": ["view_product", "view_qualitystandard", "view_standardversion"],
    }

    def ready(self):
        from core.alerts import choice_label, register_kind
        from core.decision_labels import register_reasons
        from core.navigation import register_nav
        from core.roles import Role, has_role
        from core.uploads import register_access_rule
        from merchants import reason_texts
        from merchants.selectors import merchant_of
        from merchants.services import on_restriction_change, on_sanction_change
        from products import reason_texts as product_reasons
        from products import selectors
        from products.models import Product
        from products.services import follow_sanction, sync_listings_of_merchants

        # A supplier's suspension by the sweep is a code, named in the reader's language.
        register_reasons([product_reasons.SUPPLIER_SCREENING], product_reasons.render)
        on_restriction_change(sync_listings_of_merchants, many=True)
        on_sanction_change(follow_sanction)
        register_kind(
            "listing_status",
            _("Listing status changed"),
            _("%(product)s is now %(status)s: %(reason)s"),
            labels={"status": choice_label(Product.Status), "reason": reason_texts.unquote},
        )
        register_access_rule(selectors.may_see_product_image)
        register_kind(
            "supplier_reverification",
            _("Supplier re-verification due"),
            _("%(supplier)s must be re-verified by %(date)s"),
        )
        register_nav(
            _("Suppliers and lots"),
            "products:staff-suppliers",
            lambda u: has_role(u, Role.QUALITY_MANAGEMENT, Role.QUALITY_MANAGER),
            41,
        )
        register_nav(
            _("My products"), "products:merchant-products", lambda u: merchant_of(u) is not None, 20
        )
        register_nav(
            _("Standards"), "products:merchant-standards", lambda u: merchant_of(u) is not None, 21
        )
        register_nav(
            _("Claim review"),
            "products:staff-claims",
            lambda u: has_role(u, Role.QUALITY_MANAGEMENT, Role.MERCHANT_MANAGEMENT),
            40,
        )
