from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Certificate, CertificateNumberSequence, CertificateStatusChange, Decision, SurveillanceReview


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ["application", "outcome", "grade", "decided_by", "decided_at"]
    list_select_related = ["application", "decided_by"]
    raw_id_fields = ["application", "decided_by"]
    readonly_fields = ["outcome", "recommended_grade", "grade", "decided_by", "decided_at"]


class CertificateStatusChangeInline(admin.TabularInline):
    model = CertificateStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SurveillanceInline(admin.TabularInline):
    model = SurveillanceReview
    extra = 0
    can_delete = False
    fields = ["sequence", "due_date", "status", "audit", "completed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(SimpleHistoryAdmin):
    list_display = ["number", "holder_name", "holder_credit_code", "grade", "status", "issued_on", "expires_on"]
    list_filter = ["status", "grade"]
    search_fields = ["number", "holder_name", "holder_credit_code"]
    show_full_result_count = False
    raw_id_fields = ["application", "decision", "organization", "supersedes"]
    readonly_fields = ["number", "status", "status_changed_at", "verification_token", "pdf", "pdf_sha256"]
    inlines = [SurveillanceInline, CertificateStatusChangeInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveillanceReview)
class SurveillanceReviewAdmin(SimpleHistoryAdmin):
    list_display = ["certificate", "sequence", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["certificate"]
    raw_id_fields = ["certificate", "audit"]
    readonly_fields = ["status", "completed_at"]


@admin.register(CertificateNumberSequence)
class CertificateNumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "last_value"]
    readonly_fields = ["year", "last_value"]
