from django.contrib import admin

from core.admin import DecisionsInline
from reports.models.snapshots import QuarterlyReport, Snapshot


# --- snapshots: read-only; figures are computed by the task and published from the pages --
@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["id", "year", "quarter", "trigger", "state", "progress", "as_of", "checksum"]
    list_filter = ["state", "trigger", "year", "quarter"]
    readonly_fields = [f.name for f in Snapshot._meta.fields]
    inlines = [DecisionsInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "snapshot", "published_at", "published_by"]
    list_filter = ["status", "year", "quarter"]
    readonly_fields = [f.name for f in QuarterlyReport._meta.fields]
    inlines = [DecisionsInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
