"""The migration to accounts.ApiToken keeps every app signed in: a DRF token key
(rest_framework.authtoken, stored in plain text) that worked before it authenticates
after it, and the plain-text keys are gone.

It migrates a throwaway database built at the schema before the migration, as an existing
deployment has it (see tests/core/test_model_moves.py for the pattern and why). DRF's
app is no longer installed, so its table is created here as its migrations made it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import TokenAuthentication
from tests.core.test_model_moves import migrate, scratch  # noqa: F401

BEFORE = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("accounts", "0003_email_verification"),
]
AFTER = [("accounts", "0004_apitoken")]
DRF_TOKEN_TABLE = """
    CREATE TABLE authtoken_token (
        key varchar(40) PRIMARY KEY,
        created timestamp with time zone NOT NULL,
        user_id bigint NOT NULL UNIQUE REFERENCES accounts_user (id) DEFERRABLE INITIALLY DEFERRED
    )
"""
DRF_MIGRATIONS = [
    "0001_initial",
    "0002_auto_20160226_1747",
    "0003_tokenproxy",
    "0004_alter_tokenproxy_options",
]
ALICE_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # as DRF makes them: 40 hex digits
BOB_KEY = "0123456789abcdef0123456789abcdef01234567"


class ScratchRouter:
    """Sends the authentication's queries to the migrated database."""

    alias = ""

    def db_for_read(self, model, **hints):
        return self.alias

    db_for_write = db_for_read


def tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def applied(connection, app: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = %s ORDER BY id", [app])
        return [name for (name,) in cursor.fetchall()]


def test_drf_tokens_become_api_tokens_that_the_same_keys_open(scratch, settings):  # noqa: F811
    alias = scratch.alias
    old_apps = migrate(scratch, BEFORE)
    users = old_apps.get_model("accounts.User").objects.using(alias)
    alice = users.create(username="alice", password="!", email="alice@example.com")
    bob = users.create(username="bob", password="!", email="bob@example.com")
    issued = timezone.now() - timedelta(days=400)
    with scratch.cursor() as cursor:
        cursor.execute(DRF_TOKEN_TABLE)
        cursor.executemany(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [(ALICE_KEY, issued, alice.pk), (BOB_KEY, issued, bob.pk)],
        )
        cursor.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', %s, now())",
            [[name] for name in DRF_MIGRATIONS],
        )

    started = timezone.now()
    new_apps = migrate(scratch, AFTER)

    assert "authtoken_token" not in tables(scratch)
    assert applied(scratch, "authtoken") == []
    tokens = new_apps.get_model("accounts.ApiToken").objects.using(alias).order_by("user_id")
    assert [(t.user_id, t.name, t.key_prefix, t.created, t.last_used) for t in tokens] == [
        (alice.pk, "Migrated token", ALICE_KEY[:8], issued, None),
        (bob.pk, "Migrated token", BOB_KEY[:8], issued, None),
    ]
    for token in tokens:  # counted from the migration: the upgrade signs no app out
        assert started + settings.API_TOKEN_TTL <= token.expires
        assert token.expires <= timezone.now() + settings.API_TOKEN_TTL
    for token in tokens.values():
        assert not {ALICE_KEY, BOB_KEY} & {str(value) for value in token.values()}

    ScratchRouter.alias = alias
    settings.DATABASE_ROUTERS = [f"{__name__}.ScratchRouter"]
    user, token = TokenAuthentication().authenticate_credentials(ALICE_KEY)
    assert (user.pk, user.username, token.user_id) == (alice.pk, "alice", alice.pk)
    assert TokenAuthentication().authenticate_credentials(BOB_KEY)[0].username == "bob"
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(ALICE_KEY[:-1] + "0")

    # Backwards only digests remain, which cannot become keys again: no token survives.
    migrate(scratch, BEFORE)
    assert not {"authtoken_token", "accounts_apitoken"} & tables(scratch)


def test_a_new_installation_without_drf_tokens_migrates(scratch):  # noqa: F811
    migrate(scratch, BEFORE)
    new_apps = migrate(scratch, AFTER)
    assert not new_apps.get_model("accounts.ApiToken").objects.using(scratch.alias).exists()
    assert "authtoken_token" not in tables(scratch)
