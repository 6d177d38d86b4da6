"""The admin index dashboard: the admin site has no hook for index data, so a tag loads it."""

from django import template
from django.utils.html import format_html

from pages.admin_dashboard import Dashboard, dashboard_get
from recommendations.admin import choice_summary, metrics_table, validation_summary
from recommendations.models import TrainingRun

register = template.Library()


@register.simple_tag
def admin_dashboard() -> Dashboard:
    return dashboard_get()


@register.simple_tag
def training_run_metrics(run: TrainingRun) -> str:
    return metrics_table(run, ("ndcg", "recall", "coverage"))


@register.simple_tag
def training_run_choice(run: TrainingRun) -> str:
    return format_html("<p>{}</p><p>{}</p>", choice_summary(run), validation_summary(run))
