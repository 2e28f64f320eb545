from django.contrib import admin

from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    Amendment,
    AmendmentChange,
    Commitment,
    Deliberation,
    Obligation,
    Payment,
    Transition,
)
from maillage.core.admin_site import admin_site


class AgreementKindAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_financial")
    prepopulated_fields = {"slug": ("name",)}


class PartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    raw_id_fields = ("organization",)


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    raw_id_fields = ("party",)


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    raw_id_fields = ("party",)


class DeliberationInline(admin.TabularInline):
    model = Deliberation
    extra = 0
    raw_id_fields = ("organization", "amendment")


class ObligationInline(admin.TabularInline):
    model = Obligation
    extra = 0
    raw_id_fields = ("owner",)


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    fields = ("at", "amendment", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AgreementAdmin(admin.ModelAdmin):
    """Repairs only: the pages and services keep the rules (lifecycle, totals, four eyes)."""

    list_display = ("reference", "title", "kind", "status", "total_amount", "expires_on")
    list_filter = ("status", "kind", "is_public")
    search_fields = ("reference", "title")
    raw_id_fields = ("owner", "cooperation")
    readonly_fields = ("reference", "status", "total_amount", "version")
    exclude = ("search_text",)
    inlines = [
        PartyInline,
        CommitmentInline,
        PaymentInline,
        DeliberationInline,
        ObligationInline,
        TransitionInline,
    ]


class AmendmentChangeInline(admin.TabularInline):
    model = AmendmentChange
    extra = 0
    raw_id_fields = ("organization",)


class AmendmentAdmin(admin.ModelAdmin):
    list_display = ("agreement", "number", "status", "signed_on")
    list_filter = ("status",)
    search_fields = ("agreement__reference",)
    raw_id_fields = ("agreement",)
    readonly_fields = ("number", "status", "version")
    inlines = [AmendmentChangeInline]


admin_site.register(AgreementKind, AgreementKindAdmin)
admin_site.register(Agreement, AgreementAdmin)
admin_site.register(Amendment, AmendmentAdmin)
