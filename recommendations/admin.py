from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from recommendations.choice import Choice
from recommendations.evaluation.report import METRICS
from recommendations.models import TrainingRun
from recommendations.selectors import training_run_list
from recommendations.services import training_run_rollback
from recommendations.training import CUT_SHORT


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Versions of the recommender model. Written only by training; staff choose which serves."""

    list_display = (
        "version", "status", "serving", "params_summary", "counts", "metrics_summary",
        "duration", "created_at",
    )  # fmt: skip
    list_filter = ("status", "is_serving")
    fields = (
        "status", "is_serving", "params", "user_count", "item_count", "rating_count",
        "ratings_seen", "ratings_updated_at", "duration", "tuning", "evaluation", "error",
        "job", "created_at", "finished_at",
    )  # fmt: skip
    readonly_fields = ("duration", "tuning", "evaluation")
    actions = ("rollback",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingRun]:
        return training_run_list()  # without the models, megabytes per row

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TrainingRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TrainingRun | None = None) -> bool:
        return False

    def has_rollback_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("recommendations.change_trainingrun")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_retrain": request.user.has_perm("jobs.add_job"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description="Roll back to this version (make it serve)", permissions=["rollback"])
    def rollback(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        runs = list(queryset[:2])
        if len(runs) != 1:
            self.message_user(request, "Select exactly one version to serve.", messages.ERROR)
            return
        try:
            run = training_run_rollback(to=runs[0])
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, f"Model v{run.pk} now serves.", messages.SUCCESS)

    @admin.display(description="Version", ordering="pk")
    def version(self, run: TrainingRun) -> str:
        return f"v{run.pk}"

    @admin.display(description="Serving", ordering="is_serving")
    def serving(self, run: TrainingRun) -> str:
        if not run.is_serving:
            return ""
        return format_html(
            '<strong class="serving-badge">{}</strong>',
            "● serving",
        )

    @admin.display(description="Parameters")
    def params_summary(self, run: TrainingRun) -> str:
        return choice_summary(run)

    @admin.display(description="Tuning on validation")
    def tuning(self, run: TrainingRun) -> str:
        return validation_summary(run)

    @admin.display(description="Users · movies · ratings")
    def counts(self, run: TrainingRun) -> str:
        return f"{run.user_count:,} · {run.item_count:,} · {run.rating_count:,}"

    @admin.display(description="Duration", ordering="duration_seconds")
    def duration(self, run: TrainingRun) -> str:
        return f"{run.duration_seconds:.1f} s" if run.duration_seconds is not None else "—"

    @admin.display(description="Offline metrics")
    def metrics_summary(self, run: TrainingRun) -> str:
        return metrics_table(run, ("ndcg", "recall", "coverage"))

    @admin.display(description="Offline evaluation")
    def evaluation(self, run: TrainingRun) -> str:
        protocol = run.metrics.get("evaluation", {}).get("protocol", "")
        return format_html("{}<p>{}</p>", metrics_table(run, METRICS), protocol)


def metrics_table(run: TrainingRun, metrics: tuple[str, ...]) -> str:
    """The `evaluate` command's results for this run: one row per algorithm."""
    evaluation = run.metrics.get("evaluation")
    if not evaluation:
        return "—"
    k = evaluation.get("k")
    header = format_html_join(
        "", "<th>{}</th>", ((f"{m}@{k}" if m in METRICS[:5] else m,) for m in metrics)
    )
    rows = format_html_join(
        "",
        "<tr><th>{}</th>{}</tr>",
        (
            (
                algorithm,
                format_html_join(
                    "", "<td>{}</td>", ((f"{results.get(m, float('nan')):.3f}",) for m in metrics)
                ),
            )
            for algorithm, results in evaluation.get("results", {}).items()
        ),
    )
    return format_html("<table><tr><th></th>{}</tr>{}</table>", header, rows)


def choice_summary(run: TrainingRun) -> str:
    """The hyper-parameters the run trained with, one line per model (a run from before a
    model's parameters were stored serves, and shows, that model's defaults)."""
    choice = Choice.from_json(run.params)
    als, ease, blend, similar = choice.als, choice.ease, choice.hybrid, choice.similar
    lines = [
        (
            "ALS",
            f"factors {als.factors:g}, regularization {als.regularization:g}, alpha "
            f"{als.alpha:g}, neutral {als.neutral:g}, iterations {als.iterations:g}",
        ),
        (
            "EASE",
            f"λ {ease.l2:g} over the {ease.max_items:,} most-rated films, "
            f"every-rating fit weighted {ease.rated_weight:g}",
        ),
        (
            "Blend",
            f"ALS {blend.als_weight:g}, EASE {blend.ease_weight:g}, content "
            f"{blend.content_weight:g}; full trust at {blend.full_trust_ratings} "
            f"ratings; MMR λ {blend.mmr_lambda:g}; predicted stars {blend.stars_weight:g}",
        ),
        (
            "More like this",
            f"content {similar.content_weight:g}, collaborative "
            f"{similar.collaborative_weight:g}, quality {similar.quality_weight:g}",
        ),
    ]
    return format_html_join(mark_safe("<br>"), "{}: {}", lines)


def validation_summary(run: TrainingRun) -> str:
    """What the run's tuning search found: the best validation nDCG of each algorithm."""
    validation = run.metrics.get("validation")
    if not validation:
        return "Not tuned: the parameters were given or reused."
    scores = format_html_join(
        ", ", "{} {}", ((name, f"{value:.4f}") for name, value in validation["ndcg"].items())
    )
    budget, served = "", ""
    if validation["out_of_time"]:
        budget, served = " (stopped by the time budget)", format_html("<br>{}", CUT_SHORT)
    return format_html(
        "nDCG: {}<br>{} candidates in {} s{}; seed {}<br>{}{}",
        scores,
        validation["candidates"],
        validation["seconds"],
        budget,
        validation["seed"],
        validation["protocol"],
        served,
    )
