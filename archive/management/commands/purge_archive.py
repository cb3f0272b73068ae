"""Purge archive records past their retention period: blank personal data, delete the order's
stored files, keep the hash chain. `--dry-run` lists what would be purged and changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from ...services.purge import archive_purge


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count} bytes"


class Command(BaseCommand):
    help = "Purge archive records whose retention period has ended (personal data and files)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be purged; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        report = archive_purge(dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        for record in report.records:
            if record.refused:
                self.stderr.write(
                    f"Refused position {record.position} (order {record.order_number}): "
                    f"{record.refused}"
                )
                continue
            self.stdout.write(
                f"{verb} position {record.position} (order {record.order_number}, "
                f"retained until {record.retention_until:%Y-%m-%d})"
            )
            for file in record.files:
                if dry_run:
                    state = f"would delete ({_size(file.size)})"
                elif file.deleted:
                    state = f"deleted ({_size(file.size)})"
                else:
                    state = f"not deleted: {file.error}"
                self.stdout.write(f"  {file.path}: {state}")
        if dry_run:
            files = sum(len(record.files) for record in report.records)
            freed = sum(file.size for record in report.records for file in record.files)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {len(report.records)} records, {files} files, {_size(freed)} "
                    "would be purged. Nothing changed."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Purged {len(report.purged)} records; deleted {report.files_deleted} files, "
                f"freed {_size(report.bytes_freed)}."
            )
        )
        if report.refused:
            raise CommandError(
                f"{len(report.refused)} records were refused by the database; "
                "the next run tries again."
            )
