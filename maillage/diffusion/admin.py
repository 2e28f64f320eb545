from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.diffusion.models import Achievement, Audience, Newsletter, Subscriber


class AchievementAdmin(admin.ModelAdmin):
    list_display = ("title", "date", "is_published")
    list_filter = ("is_published",)
    search_fields = ("title",)
    raw_id_fields = ("agreement", "cooperation")
    filter_horizontal = ("themes",)
    autocomplete_fields = ()


class NewsletterAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "sent_at", "recipient_count")
    list_filter = ("status",)
    readonly_fields = ("status", "sent_at", "sent_by", "recipient_count")


class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "confirmed_at", "unsubscribed_at")
    search_fields = ("email",)
    readonly_fields = ("confirmed_at", "unsubscribed_at")


admin_site.register(Achievement, AchievementAdmin)
admin_site.register(Audience)
admin_site.register(Newsletter, NewsletterAdmin)
admin_site.register(Subscriber, SubscriberAdmin)
