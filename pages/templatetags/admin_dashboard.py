"""The admin index dashboard: the admin site has no hook for index data, so a tag loads it."""

from django import template

from pages.admin_dashboard import Dashboard, dashboard_get
from recommendations.admin import metrics_table
from recommendations.models import TrainingRun

register = template.Library()


@register.simple_tag
def admin_dashboard() -> Dashboard:
    return dashboard_get()


@register.simple_tag
def training_run_metrics(run: TrainingRun) -> str:
    return metrics_table(run, ("ndcg", "recall", "coverage"))
