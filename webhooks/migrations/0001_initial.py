"""The webhook inbox's models move here from the connector app; their tables stay as they are.

State only: connector_webhook_event and connector_customer_data_export were created by
connector's migrations 0003 and 0004 and keep their names (``db_table``); connector 0006 then
drops the models from connector's state. Two data steps, both reversible, move what names the
models or their task by app:
- the models' django_content_type rows, so staff permissions and admin log entries (which
  point at those rows) follow them;
- queued django-tasks-db rows of the moved task, so a queue in flight at deployment runs
  under the task's new path.
"""

import connector.validators
from django.db import migrations, models

MOVED_MODELS = ("webhookevent", "customerdataexport")
MOVED_TASKS = {"connector.tasks.process_webhook_event": "webhooks.tasks.process_webhook_event"}
# django_tasks.TaskResultStatus.READY: a row no worker has taken yet (a worker imports its path).
QUEUED = "READY"


def _move_content_types(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED_MODELS:
        # A row already under the target label (left by an earlier migrate) keeps its own
        # permissions; the source row is then stale and remove_stale_contenttypes deletes it.
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def _rewrite_queued_tasks(apps, schema_editor, *, paths):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    results = DBTaskResult.objects.using(schema_editor.connection.alias)
    for old_path, new_path in paths.items():
        results.filter(status=QUEUED, task_path=old_path).update(task_path=new_path)


def forwards(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="connector", target="webhooks")
    _rewrite_queued_tasks(apps, schema_editor, paths=MOVED_TASKS)


def backwards(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="webhooks", target="connector")
    _rewrite_queued_tasks(apps, schema_editor, paths={new: old for old, new in MOVED_TASKS.items()})


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("connector", "0005_shopify_session_search_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CustomerDataExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('shop', models.CharField(max_length=255, validators=[connector.validators.validate_shop_domain], verbose_name='shop')),
                        ('customer_id', models.CharField(blank=True, default='', max_length=64, verbose_name='Shopify customer id')),
                        ('data_request_id', models.CharField(blank=True, default='', max_length=64, verbose_name='data request id')),
                        ('source_event_id', models.BigIntegerField(blank=True, null=True, unique=True, verbose_name='webhook event')),
                        ('document', models.JSONField(verbose_name='document')),
                    ],
                    options={
                        'verbose_name': 'customer data export',
                        'verbose_name_plural': 'customer data exports',
                        'db_table': 'connector_customer_data_export',
                        'ordering': ('-id',),
                        'indexes': [models.Index(fields=['shop', 'customer_id'], name='data_export_shop_customer_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('shop', models.CharField(db_index=True, help_text='Shop domain, e.g. example.myshopify.com', max_length=255, validators=[connector.validators.validate_shop_domain], verbose_name='shop')),
                        ('topic', models.CharField(db_index=True, max_length=100, verbose_name='topic')),
                        ('event_id', models.CharField(db_index=True, help_text='X-Shopify-Event-Id (the de-duplication key).', max_length=100, verbose_name='event id')),
                        ('webhook_id', models.CharField(db_index=True, help_text='X-Shopify-Webhook-Id of the stored delivery.', max_length=100, verbose_name='webhook id')),
                        ('api_version', models.CharField(blank=True, default='', max_length=20, verbose_name='API version')),
                        ('triggered_at', models.DateTimeField(blank=True, null=True, verbose_name='triggered at')),
                        ('payload', models.JSONField(verbose_name='payload')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('processing', 'Processing'), ('retrying', 'Retry scheduled'), ('processed', 'Processed'), ('failed', 'Failed'), ('ignored', 'Ignored')], default='pending', max_length=20, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt at')),
                        ('locked_until', models.DateTimeField(blank=True, null=True, verbose_name='processing lease until')),
                        ('processed_at', models.DateTimeField(blank=True, null=True, verbose_name='processed at')),
                        ('last_error', models.TextField(blank=True, default='', verbose_name='last error')),
                        ('attempt_errors', models.JSONField(blank=True, default=list, verbose_name='errors of every attempt')),
                        ('task_id', models.UUIDField(blank=True, editable=False, null=True, unique=True, verbose_name='task id')),
                    ],
                    options={
                        'verbose_name': 'webhook event',
                        'verbose_name_plural': 'webhook events',
                        'db_table': 'connector_webhook_event',
                        'ordering': ('-id',),
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='webhook_event_status_due_idx')],
                        'constraints': [models.UniqueConstraint(fields=('shop', 'topic', 'event_id'), name='webhook_event_shop_topic_event_uniq')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
