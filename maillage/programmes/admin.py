from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.programmes.models import Experiment, Indicator, Measure, Programme, ProgrammeParticipant


class ParticipantInline(admin.TabularInline):
    model = ProgrammeParticipant
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(Programme, site=admin_site)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "level", "funder"]
    list_filter = ["level"]
    search_fields = ["name", "acronym", "funder"]
    exclude = ["search_text", "solutions", "agreements"]
    inlines = [ParticipantInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(Experiment, site=admin_site)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "host_commune", "status", "start_date", "end_date"]
    list_filter = ["status", "programme"]
    search_fields = ["title"]
    raw_id_fields = ["host_commune", "solution", "created_by"]
    exclude = ["search_text"]
    inlines = [IndicatorInline]


@admin.register(Measure, site=admin_site)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["indicator", "measured_on", "value"]
    raw_id_fields = ["indicator", "recorded_by"]
