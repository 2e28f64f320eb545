from django.contrib import admin
from django.db import transaction

from maillage.agreement_templates.models import AgreementTemplate
from maillage.core.admin_site import admin_site


class AgreementTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "updated_at")
    list_filter = ("is_default",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        # One default at a time: making this one the default demotes the previous one.
        with transaction.atomic():
            if obj.is_default:
                AgreementTemplate.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)
            super().save_model(request, obj, form, change)


admin_site.register(AgreementTemplate, AgreementTemplateAdmin)
