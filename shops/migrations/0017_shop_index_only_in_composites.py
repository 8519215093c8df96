"""The single-column index on ``shop`` of flow deliveries, Dropi orders and shipping updates
dropped: each table has (shop, id) and other composite indexes starting with ``shop``, so it
served no query and cost every insert (flow deliveries and Dropi orders are written once or
more per order; docs/benchmarks.md › order_flow). Dropping an index is an in-place change on
MySQL/MariaDB."""

import connector.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0016_dropi_tracking_sync"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dropiorder",
            name="shop",
            field=models.CharField(
                help_text="Shop domain, e.g. example.myshopify.com",
                max_length=255,
                validators=[connector.validators.validate_shop_domain],
                verbose_name="shop",
            ),
        ),
        migrations.AlterField(
            model_name="flowdelivery",
            name="shop",
            field=models.CharField(
                help_text="Shop domain, e.g. example.myshopify.com",
                max_length=255,
                validators=[connector.validators.validate_shop_domain],
                verbose_name="shop",
            ),
        ),
        migrations.AlterField(
            model_name="shippingupdate",
            name="shop",
            field=models.CharField(
                help_text="Shop domain, e.g. example.myshopify.com",
                max_length=255,
                validators=[connector.validators.validate_shop_domain],
                verbose_name="shop",
            ),
        ),
    ]
