import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# rest_framework.authtoken's table: one plain-text token per user, until this migration.
DRF_TOKEN_TABLE = "authtoken_token"


def move_drf_tokens(apps, schema_editor):
    """Turn every DRF token into an ApiToken that the same key opens, then drop the
    plain-text keys.

    The app is no longer installed, so its table is read with SQL, if it is there (a new
    installation never had it). The migrated tokens expire API_TOKEN_TTL after this
    migration, not after they were issued: no app is signed out by the upgrade. Its
    migration records go with the table, so that the records stay true.
    """
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if DRF_TOKEN_TABLE not in connection.introspection.table_names(cursor):
            return
        cursor.execute(f"SELECT key, user_id, created FROM {DRF_TOKEN_TABLE}")
        drf_tokens = cursor.fetchall()
    now = timezone.now()
    api_token = apps.get_model("accounts", "ApiToken")
    api_token.objects.using(connection.alias).bulk_create(
        api_token(
            user_id=user_id,
            name="Migrated token",
            key_prefix=key[:8],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            created=created,
            expires=now + settings.API_TOKEN_TTL,
        )
        for key, user_id, created in drf_tokens
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {DRF_TOKEN_TABLE}")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_email_verification'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The device or app, as its owner named it.', max_length=64)),
                ('key_prefix', models.CharField(help_text="The token's first characters, to recognise it.", max_length=8)),
                ('digest', models.CharField(help_text='SHA-256 of the token.', max_length=64, unique=True)),
                ('created', models.DateTimeField()),
                ('expires', models.DateTimeField()),
                ('last_used', models.DateTimeField(blank=True, help_text='To the hour: updated at most once an hour.', null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='api_token_has_a_name'), models.CheckConstraint(condition=models.Q(('expires__gt', models.F('created'))), name='api_token_expires_after_created'), models.CheckConstraint(condition=models.Q(('digest__regex', '^[0-9a-f]{64}$')), name='api_token_digest_is_sha256')],
            },
        ),
        # Backwards there are only digests: the old keys cannot come back, and every app
        # has to sign in again.
        migrations.RunPython(move_drf_tokens, migrations.RunPython.noop),
    ]
