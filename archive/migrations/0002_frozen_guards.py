"""Database guards (PostgreSQL triggers): an archived order and the rows that belong to it
refuse UPDATE and DELETE; archive records are never deleted and change only once, when a purge
after the retention period blanks personal data without touching the hashes. The services
refuse first with a clear message; these guards stop everything else (admin, raw SQL)."""

from django.db import migrations

CHILD_TABLES = (
    "orders_orderline",
    "orders_orderevent",
    "orders_orderattachment",
    "fulfillment_shipment",
    "fulfillment_deviation",
    "finance_invoice",
    "finance_allocation",
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION archive_frozen_order() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'archived' THEN
    RAISE EXCEPTION 'order % is archived and cannot change', OLD.number
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION archive_frozen_child() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM orders_order WHERE id = OLD.order_id AND status = 'archived') THEN
    RAISE EXCEPTION 'order % is archived: its records cannot change', OLD.order_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION archive_record_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'archive record % is never deleted', OLD.position
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL
     AND OLD.retention_until < current_date
     AND NEW.position = OLD.position AND NEW.order_id = OLD.order_id
     AND NEW.snapshot_hash = OLD.snapshot_hash AND NEW.previous_hash = OLD.previous_hash
     AND NEW.record_hash = OLD.record_hash AND NEW.archived_at = OLD.archived_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'archive record % is frozen', OLD.position
    USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (development, quick tests): the services' checks guard alone
    schema_editor.execute(FUNCTIONS, params=None)  # "%" in RAISE is not a placeholder
    schema_editor.execute(
        "CREATE TRIGGER orders_order_frozen BEFORE UPDATE OR DELETE ON orders_order "
        "FOR EACH ROW EXECUTE FUNCTION archive_frozen_order()"
    )
    for table in CHILD_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION archive_frozen_child()"
        )
    schema_editor.execute(
        "CREATE TRIGGER archive_record_guard BEFORE UPDATE OR DELETE ON archive_archiverecord "
        "FOR EACH ROW EXECUTE FUNCTION archive_record_guard()"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS orders_order_frozen ON orders_order")
    for table in CHILD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
    schema_editor.execute("DROP TRIGGER IF EXISTS archive_record_guard ON archive_archiverecord")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS archive_frozen_order(), archive_frozen_child(), "
        "archive_record_guard()"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_archive_records"),
        ("orders", "0006_invoice_payment_events"),
        ("fulfillment", "0004_standard_cycles"),
        ("finance", "0001_finance_documents"),
    ]

    operations = [migrations.RunPython(create, drop)]
