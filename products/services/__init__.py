"""Products services: every write about categories' standards, listings and ad claims.
Other apps import from here only."""

from products.services.claim_review import (
    check_text,
    clear_flags,
    current_matcher,
    request_rescan,
    restrict_for_claims,
    run_rescan,
    save_claim_phrase,
    save_claim_term,
    scan_batch,
    scan_product,
    set_list_entries_active,
)
from products.services.listings import (
    create_product,
    delist_listing,
    relist,
    relist_after_reinspection,
    restrict_listing,
    sync_listings_with_selling_rights,
    update_product,
)
from products.services.standards import (
    create_standard,
    delete_requirement,
    new_version,
    publish_version,
    save_requirement,
    standard_for,
    standard_version_for,
    update_draft,
)

__all__ = [
    "check_text",
    "clear_flags",
    "create_product",
    "create_standard",
    "current_matcher",
    "delete_requirement",
    "delist_listing",
    "new_version",
    "publish_version",
    "relist",
    "relist_after_reinspection",
    "request_rescan",
    "restrict_for_claims",
    "restrict_listing",
    "run_rescan",
    "save_claim_phrase",
    "save_claim_term",
    "save_requirement",
    "scan_batch",
    "scan_product",
    "set_list_entries_active",
    "standard_for",
    "standard_version_for",
    "sync_listings_with_selling_rights",
    "update_draft",
    "update_product",
]
