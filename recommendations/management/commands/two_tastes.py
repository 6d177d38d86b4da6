"""`manage.py two_tastes`: make the two-taste accounts and count each side of their picks."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.two_tastes import (
    SIDE_SHARE,
    TOP_PICKS,
    two_taste_accounts_ensure,
    two_taste_report,
)


class Command(BaseCommand):
    help = (
        "Make (or reset) the accounts that gave five stars to four films of each of two "
        f"genres, and print their top {TOP_PICKS} picks with how many each genre got; "
        f"fails unless each got at least {SIDE_SHARE}. Needs MovieLens and a trained model."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Refusing to make test accounts with MOVIEREC_ENV=production.")
        try:
            accounts = two_taste_accounts_ensure()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        short = []
        for account, user in accounts:
            report = two_taste_report(account, user)
            counts = ", ".join(f"{s.genre} {report.count(s.genre)}" for s in account.sides)
            self.stdout.write(f"{account.username}: {counts} of {len(report.picks)}")
            for title, genres in report.picks:
                self.stdout.write(f"  {title} ({', '.join(genres) or '-'})")
            if not report.balanced:
                short.append(account.username)
        if short:
            raise CommandError(f"A side got fewer than {SIDE_SHARE} picks for {', '.join(short)}.")
